/**
 * How the tests launch Chromium (test/support/chromium.ts). Chromium keeps only the last
 * `--disable-features` on its command line, and the tests' switches come after Playwright's
 * own: the last list must still hold every feature Playwright disables.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { chromiumPath, launchChromium } from '../support/chromium';

/** The command lines of the Chromium processes this process started (the browsers it launched). */
function launchedChromium(): string[][] {
  const commandLines: string[][] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // "pid (comm) state ppid …": the name may hold spaces, so fields count from its ')'.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent !== process.pid) continue;
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (args[0] === chromiumPath) commandLines.push(args);
    } catch {
      // The process ended while being read: not ours to check.
    }
  }
  return commandLines;
}

test("the last --disable-features Chromium gets keeps every feature Playwright disables, and the tests' own", async () => {
  test.skip(process.platform !== 'linux', 'reads the browser command line from /proc, which only Linux has');
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
