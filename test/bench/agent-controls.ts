/**
 * In-call controls as the far end experiences them: from the agent's Hold click to the caller
 * hearing the hold music, and from the Transfer click to the target agent's app ringing.
 *
 * Method (the embedded platform, the real agent UI and SDK in Chromium, Jane and Joe signed in
 * to the web app; one inbound call per round, answered by Jane while Joe is away):
 * - hold: the page stamps `Date.now()` as it clicks Hold; Node polls the caller's phone
 *   (`GET /sandbox/v1/phone/calls/{uuid}`) every 5 ms until a new `stream` entry (the hold
 *   music the platform started playing to that phone) is in what it heard, and stamps
 *   `Date.now()`. The figure includes up to one poll interval and one loopback HTTP round trip.
 * - transfer: Jane resumes, Joe picks Available, Jane opens the transfer panel; the page stamps
 *   `Date.now()` as it clicks Joe's blind transfer, and a MutationObserver in Joe's page stamps
 *   `Date.now()` when his incoming-call panel appears (the SDK's callInvite rendered). Same
 *   machine, same clock. Joe answers, the caller hangs up, and Joe goes away for the next round.
 * - transfer to a number: a second call per round, answered by Jane; she types an outside
 *   number (the sandbox phone answers it) and the page stamps `Date.now()` as it clicks its
 *   blind transfer; Node polls the sandbox's phone list (`GET /sandbox/v1/phone/calls?number=`)
 *   every 5 ms until that number's phone exists (it rings the moment the platform connects it)
 *   and stamps `Date.now()`. Includes up to one poll interval and one loopback round trip.
 */
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright';
import { launchChromium } from '../support/chromium';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { printTable, summarize } from './table';

/** Stamps when an incoming-call panel appears (a string: tsx would wrap inner names in a helper the page lacks). */
const STAMP_INVITE = `(() => {
  window.__inviteAt = null;
  new MutationObserver(() => {
    if (window.__inviteAt === null && document.querySelector('[data-testid="incoming-call"]')) window.__inviteAt = Date.now();
  }).observe(document, { childList: true, subtree: true });
})();`;

async function signIn(platform: TestPlatform, page: Page, name: 'Jane' | 'Joe'): Promise<void> {
  await page.addInitScript(STAMP_INVITE);
  await page.goto(`${platform.serverUrl}/app/`);
  await page.getByTestId('login-name').fill(name);
  await page.getByTestId('login-password').fill(platform.agents[name]);
  await page.getByTestId('login-submit').click();
  await page.locator('[data-testid="status"][data-voice="ready"]').waitFor();
}

async function setStatus(page: Page, status: 'available' | 'away'): Promise<void> {
  const button = page.getByTestId(`agent-status-${status}`);
  if (await button.isEnabled()) await button.click(); // (disabled: that status already)
  await page.locator(`[data-testid="agent-status-label"]`, { hasText: status === 'away' ? 'Away' : 'Available' }).waitFor();
}

/** Clicks an element from inside the page and answers the click's `Date.now()`. */
function clickStamped(page: Page, testId: string): Promise<number> {
  return page.evaluate((id) => {
    const button = document.querySelector(`[data-testid="${id}"]`) as HTMLButtonElement | null;
    if (!button || button.disabled) throw new Error(`${id} is not there to click`);
    const at = Date.now();
    button.click();
    return at;
  }, testId);
}

async function until<T>(read: () => Promise<T | undefined>, timeoutMs = 15_000, everyMs = 5): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The outside number calls are transferred to (a sandbox phone that answers). */
const OUTSIDE = '14155550144';

/** The sandbox phones the platform has called at {@link OUTSIDE}, in any state. */
async function outsidePhones(platform: TestPlatform): Promise<string[]> {
  const response = await fetch(`${platform.sandboxUrl}/sandbox/v1/phone/calls?number=${OUTSIDE}`);
  return ((await response.json()) as { calls: Array<{ uuid: string }> }).calls.map((c) => c.uuid);
}

/** Runs `rounds` hold and transfer measures and prints the table. */
export async function runAgentControlsBench(rounds: number): Promise<void> {
  const platform = await startTestPlatform({ keepLogs: false });
  const browser = await launchChromium();
  try {
    const jane = await browser.newPage();
    const joe = await browser.newPage();
    await signIn(platform, jane, 'Jane');
    await signIn(platform, joe, 'Joe');

    const hold: number[] = [];
    const transfer: number[] = [];
    const toNumber: number[] = [];
    const rule = await fetch(`${platform.sandboxUrl}/sandbox/v1/phone/rules/${OUTSIDE}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 'answer' }) });
    if (!rule.ok) throw new Error(`the sandbox refused the phone rule: ${await rule.text()}`);
    for (let i = 0; i < rounds; i++) {
      await setStatus(joe, 'away');
      const call = await platform.phone.call(`+1415555${String(1000 + i).padStart(4, '0')}`);
      await jane.getByTestId('incoming-call').waitFor();
      await jane.getByTestId('answer-button').click();
      await jane.getByTestId('in-call').waitFor();
      await until(async () => ((await platform.phone.get(call.uuid)).media.audible_frames_received > 10 ? true : undefined), 15_000, 100);

      const streams = async () => (await platform.phone.get(call.uuid)).heard.filter((h) => h.type === 'stream').length;
      const before = await streams();
      const clickedHold = await clickStamped(jane, 'hold-button');
      const heardMusic = await until(async () => ((await streams()) > before ? Date.now() : undefined));
      hold.push(heardMusic - clickedHold);
      await jane.locator('[data-testid="hold-button"]', { hasText: 'Resume' }).waitFor();
      await jane.getByTestId('hold-button').click();
      await jane.getByTestId('call-state').waitFor({ state: 'detached' });

      await setStatus(joe, 'available');
      await joe.evaluate(() => ((window as unknown as { __inviteAt: number | null }).__inviteAt = null));
      await jane.getByTestId('transfer-button').click();
      await jane.locator('[data-testid="transfer-agent-Joe"][data-status="available"]').waitFor();
      const clickedTransfer = await clickStamped(jane, 'transfer-agent-Joe-blind');
      await joe.waitForFunction(() => (window as unknown as { __inviteAt: number | null }).__inviteAt !== null, null, { polling: 5, timeout: 20_000 });
      transfer.push((await joe.evaluate(() => (window as unknown as { __inviteAt: number }).__inviteAt)) - clickedTransfer);

      await joe.getByTestId('answer-button').click();
      await joe.getByTestId('in-call').waitFor();
      await platform.phone.hangup(call.uuid);
      await joe.getByTestId('in-call').waitFor({ state: 'detached' });
      await jane.getByTestId('in-call').waitFor({ state: 'detached' });
      await jane.getByTestId('call-ended').waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
      await joe.getByTestId('call-ended').waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);

      await setStatus(joe, 'away');
      const second = await platform.phone.call(`+1415556${String(1000 + i).padStart(4, '0')}`);
      await jane.getByTestId('incoming-call').waitFor();
      await jane.getByTestId('answer-button').click();
      await jane.getByTestId('in-call').waitFor();
      const phonesBefore = new Set(await outsidePhones(platform));
      await jane.getByTestId('transfer-button').click();
      await jane.getByTestId('transfer-number').fill(`+${OUTSIDE}`);
      const clickedNumber = await clickStamped(jane, 'transfer-number-blind');
      const rang = await until(async () => ((await outsidePhones(platform)).some((uuid) => !phonesBefore.has(uuid)) ? Date.now() : undefined));
      toNumber.push(rang - clickedNumber);
      await platform.phone.hangup(second.uuid);
      await jane.getByTestId('in-call').waitFor({ state: 'detached' });
      await jane.getByTestId('call-ended').waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
    }
    printTable(`In-call controls on the embedded platform: ${rounds} calls, Jane holds then blind-transfers to Joe, and a second call to a number (method: test/bench/agent-controls.ts)`, [
      summarize('Hold click -> caller hears hold music', hold),
      summarize('Transfer click -> Joe\'s app rings', transfer),
      summarize('Transfer to a number click -> the number rings', toNumber),
    ]);
  } finally {
    await browser.close();
    await platform.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runAgentControlsBench(Number(process.env.BENCH_CALLS ?? 10));
