/**
 * The web app's `online` trigger (renderer/src/softphone/softphone.ts → session-rebuild.ts):
 * the browser goes offline long enough for the SDK to give its session up and for the app's
 * own attempts to open it again to back off, then comes back online; the app is Ready again
 * by itself, without signing in, and the next call reaches the agent.
 */
import { expect, test } from '@playwright/test';
import { agentDeskPerFile } from '../support/agent-desk';

const env = agentDeskPerFile();

/**
 * Failed token requests to wait for while offline: each failed attempt doubles the wait before
 * the next (1, 2, 4, 8, 16 s, then 30 s; reachability.ts `retryDelayMs`), so after these the
 * backoff alone would not bring the session back within the expectation's 15 s: only the
 * window's `online` event does.
 */
const FAILED_ATTEMPTS = 6;

test('offline until the voice session is lost, then online: Ready again by itself, no sign-in, and the next call rings', async () => {
  test.setTimeout(180_000);
  const jane = await env.desk.agent('Jane');
  const status = jane.getByTestId('status');
  const label = jane.getByTestId('agent-status-label');
  let failedTokens = 0;
  jane.on('requestfailed', (request) => {
    if (new URL(request.url()).pathname === '/api/auth/token') failedTokens += 1;
  });

  await jane.context().setOffline(true);
  await expect(status).toHaveAttribute('data-voice', 'reconnecting');
  await expect(label).toHaveText('Reconnecting…');
  // The SDK gives the session up (its socket is gone) and the app's reopen attempts fail and back off.
  await expect.poll(() => failedTokens, { timeout: 120_000, intervals: [1_000] }).toBeGreaterThanOrEqual(FAILED_ATTEMPTS);
  await expect(status).toHaveAttribute('data-voice', 'reconnecting');
  await expect(jane.getByText(/Sign in again/)).toHaveCount(0);

  await jane.context().setOffline(false);
  await expect(status).toHaveAttribute('data-voice', 'ready');
  await expect(label).toHaveText('Available');
  await expect(jane.getByTestId('login-submit')).toHaveCount(0);

  // A real call reaches her on the rebuilt session, and she talks on it.
  const call = await env.platform.phone.call('+14155550191');
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await jane.getByTestId('answer-button').click();
  await expect(jane.getByTestId('in-call')).toBeVisible();
  await expect.poll(async () => (await env.platform.phone.get(call.uuid)).status).toBe('answered');
  await env.platform.phone.hangup(call.uuid);
  await expect(jane.getByTestId('call-ended')).toBeVisible();
});
