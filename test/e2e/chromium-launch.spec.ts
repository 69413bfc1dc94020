/**
 * How the tests launch Chromium (test/support/chromium.ts). Chromium keeps only the last
 * `--disable-features` on its command line, and the tests' switches come after Playwright's
 * own: the last list must still hold every feature Playwright disables.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { chromiumPath, launchChromium } from '../support/chromium';

/** The command lines of the Chromium processes this process started (the browsers it launched). */
function launchedChromium(): string[][] {
  // The main thread spawns them: its children, as test/bench/harness.ts reads a postmaster's.
  const children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  return children
    .map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      } catch {
        return []; // ended while being read: not a browser to check
      }
    })
    .filter((args) => args[0] === chromiumPath);
}

/** Why the spec cannot run here, printed, or null. */
const skipReason = process.platform === 'linux' ? null : 'it reads the browser command line from /proc, which only Linux has';
if (skipReason) console.log(`[chromium-launch] skipped: ${skipReason}`);

test("the last --disable-features Chromium gets keeps every feature Playwright disables, and the tests' own", async () => {
  test.skip(skipReason !== null, skipReason ?? '');
  const browser = await launchChromium();
  try {
    const launched = launchedChromium();
    expect(launched, 'one Chromium browser process started by this worker').toHaveLength(1);
    const lists = launched[0]!.filter((arg) => arg.startsWith('--disable-features=')).map((arg) => arg.slice('--disable-features='.length).split(','));
    // Playwright's own list first, the tests' after it.
    expect(lists.length).toBeGreaterThanOrEqual(2);
    const effective = lists.at(-1)!;
    for (const earlier of lists.slice(0, -1)) expect(effective).toEqual(expect.arrayContaining(earlier));
    expect(effective).toEqual(expect.arrayContaining(['WebRtcHideLocalIpsWithMdns', 'WebUIOmniboxPopup', 'WebUIOmniboxAimPopup']));
  } finally {
    await browser.close();
  }
});
