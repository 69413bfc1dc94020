/**
 * Staying reachable across a restart of the voice platform (issue 10, item 7), in real
 * Chromium with the real Client SDK: Jane is signed in to the web app and Available when the
 * sandbox stops and starts again on the same port, as a platform restart takes it — every SDK
 * socket drops, every session and call is gone, the account and numbers stay.
 *
 * While the platform is down, and after it is back but before her app has rebuilt its voice
 * session, the status line never says Available and the backend routes no call to her (a
 * caller of her number goes to voicemail). Then the app rebuilds the session by itself (no
 * sign-in screen), she is Available again, and the next call rings her and has audio.
 */
import { expect, test, type Page, type WebSocketRoute } from '@playwright/test';
import { VOICEMAIL_GREETING } from '../../server/flows/actions';
import { agentDeskPerFile } from '../support/agent-desk';

const suite = agentDeskPerFile();

/** Records every text the status line shows from now on (a MutationObserver in the page), with its tone. */
async function recordStatusLine(page: Page): Promise<() => Promise<Array<{ label: string; line: string | null; voice: string | null }>>> {
  await page.evaluate(() => {
    const seen: Array<{ label: string; line: string | null; voice: string | null }> = [];
    (window as unknown as { statusSeen: typeof seen }).statusSeen = seen;
    const status = document.querySelector('[data-testid="status"]')!;
    const take = () => {
      const label = status.querySelector('[data-testid="agent-status-label"]')?.textContent ?? '';
      const entry = { label, line: status.getAttribute('data-line'), voice: status.getAttribute('data-voice') };
      const last = seen.at(-1);
      if (!last || last.label !== entry.label || last.line !== entry.line || last.voice !== entry.voice) seen.push(entry);
    };
    take();
    new MutationObserver(take).observe(status, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  return () => page.evaluate(() => (window as unknown as { statusSeen: Array<{ label: string; line: string | null; voice: string | null }> }).statusSeen);
}

const isAvailable = (entry: { label: string; line: string | null }) => entry.label === 'Available' || entry.line === 'available';

test('a platform restart: never Available and no call routed while it is down, then the voice session is rebuilt by itself and the next call rings with audio', async () => {
  test.setTimeout(240_000);
  const { platform, desk } = suite;
  const jane = await desk.agent('Jane');
  const label = jane.getByTestId('agent-status-label');
  const status = jane.getByTestId('status');
  const agentStatus = async () => (await desk.admin<Array<{ name: string; status: string; reachable?: boolean }>>('/api/admin/agents')).find((a) => a.name === 'Jane');

  const seen = await recordStatusLine(jane);
  await platform.stopSandbox();
  // The app notices at once and says so; the backend stops routing to her but keeps her status.
  await expect(status).not.toHaveAttribute('data-voice', 'ready', { timeout: 15_000 });
  await expect(label).toHaveText(/Reconnecting…|Offline|Connecting…/);
  await expect(jane.getByTestId('login-submit')).toHaveCount(0);
  // Down longer than the SDK's own reconnection attempts (5, 5 s apart): the app must rebuild the session itself.
  await jane.waitForTimeout(35_000);
  await expect(status).not.toHaveAttribute('data-voice', 'ready');
  expect(await agentStatus()).toMatchObject({ status: 'available' });

  // The platform is back, but Jane's app cannot reach its socket yet: a caller meanwhile is not offered to her.
  const sandboxHost = new URL(platform.sandboxUrl).host;
  // Not connected to the platform: the socket closes at once (Playwright mocks it).
  const refuse = (ws: WebSocketRoute) => void ws.close().catch(() => undefined);
  await jane.routeWebSocket((url: URL) => url.host === sandboxHost, refuse);
  await platform.startSandbox();
  const during = await platform.phone.call('+14155550191');
  await expect.poll(async () => desk.heard(during.uuid), { timeout: 20_000 }).toContain(VOICEMAIL_GREETING);
  await expect(jane.getByTestId('incoming-call')).toHaveCount(0);
  await platform.phone.hangup(during.uuid).catch(() => undefined);
  const record = await desk.callRecord(during.conversation_uuid);
  expect(record.agent).toBeNull();

  // Her app gets through again: the session is rebuilt with no sign-in and she is Available.
  await jane.unrouteAll({ behavior: 'ignoreErrors' });
  await expect(status).toHaveAttribute('data-voice', 'ready', { timeout: 60_000 });
  await expect(label).toHaveText('Available');
  await expect(jane.getByTestId('login-submit')).toHaveCount(0);
  // From the moment the app saw the platform go until its session was back, never Available.
  const lines = await seen();
  const down = lines.findIndex((entry) => entry.voice !== 'ready');
  const back = lines.findIndex((entry, i) => i > down && entry.voice === 'ready');
  expect(down, JSON.stringify(lines)).toBeGreaterThan(-1);
  const outage = lines.slice(down, back);
  expect(outage.filter(isAvailable), JSON.stringify(lines)).toEqual([]);
  expect(outage.map((entry) => entry.label)).toEqual(expect.arrayContaining([expect.stringMatching(/Reconnecting…|Offline/)]));

  // The next call rings her; she answers and hears the caller, and the caller hears her.
  const after = await platform.phone.call('+14155550192');
  await expect(jane.getByTestId('incoming-call')).toBeVisible({ timeout: 20_000 });
  await jane.getByTestId('answer-button').click();
  await expect(jane.getByTestId('in-call')).toBeVisible();
  await expect.poll(async () => Number(await jane.getByTestId('audio-stats').getAttribute('data-packets-received'))).toBeGreaterThan(20);
  await expect.poll(async () => (await platform.phone.get(after.uuid)).media.packets_received, { timeout: 15_000 }).toBeGreaterThan(20);
  await platform.phone.hangup(after.uuid);
  await expect(jane.getByTestId('call-ended')).toBeVisible();
  await expect.poll(async () => (await desk.callRecord(after.conversation_uuid)).agent).toBe('Jane');
});
