/**
 * Supervisor monitoring end to end: a real caller (simulated phone), Jane in her web app and a
 * supervisor in the console, both with the real Client SDK and WebRTC in Chromium (fake
 * microphones), on the sandbox. Who hears whom is the platform's audio analysis: the audible
 * frames each leg's party was sent (`/sandbox/v1/legs/:uuid/heard`). Jane mutes herself and
 * the caller keeps silent where a check needs one voice only.
 *
 * listen: the supervisor hears caller and agent, neither hears the supervisor; coach: only
 * Jane hears the supervisor; barge: the caller does too; leave: the supervisor's leg ends, the
 * call goes on. Each step is on the call's timeline. Agents and people signed out cannot.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { seriousA11yViolations } from '../support/axe';
import { agentDeskPerFile } from '../support/agent-desk';
import { launchChromium } from '../support/chromium';

const ctx = agentDeskPerFile();
let browser: Browser;
test.beforeAll(async () => {
  browser = await launchChromium();
});
test.afterAll(async () => {
  await browser?.close();
});

async function signIn(page: Page, user: 'admin' | 'supervisor'): Promise<void> {
  await page.goto(`${ctx.platform.serverUrl}/console/`);
  await page.getByTestId('signin-name').fill(user);
  await page.getByTestId('signin-password').fill(ctx.platform.consoleUsers[user]);
  await page.getByTestId('signin-submit').click();
  await expect(page.getByTestId('who')).toContainText(`(${user})`);
}

/** Audible frames the leg's party has been sent so far (the platform's audio analysis). */
async function heard(uuid: string): Promise<number> {
  const res = await fetch(`${ctx.platform.sandboxUrl}/sandbox/v1/legs/${uuid}/heard`);
  expect(res.ok, await res.clone().text()).toBe(true);
  return ((await res.json()) as { audible_frames_heard: number }).audible_frames_heard;
}

async function legStatus(uuid: string): Promise<string> {
  const res = await fetch(`${ctx.platform.sandboxUrl}/sandbox/v1/legs/${uuid}/heard`);
  return ((await res.json()) as { status: string }).status;
}

/** Whether a leg's party hears something new: more than `frames` audible frames arrive (polled). */
async function expectHears(uuid: string, label: string, frames = 15): Promise<void> {
  const base = await heard(uuid);
  await expect.poll(async () => (await heard(uuid)) - base, { message: label, timeout: 8_000 }).toBeGreaterThan(frames);
}

/** Whether a leg's party hears nothing: at most a couple of audible frames over two seconds. */
async function expectSilent(uuid: string, label: string): Promise<void> {
  const base = await heard(uuid);
  await new Promise((r) => setTimeout(r, 2_000));
  expect((await heard(uuid)) - base, label).toBeLessThanOrEqual(2);
}

async function play(uuid: string, body: { silence: true } | { tone: true }): Promise<void> {
  const res = await fetch(`${ctx.platform.sandboxUrl}/sandbox/v1/phone/calls/${uuid}/play`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.ok, await res.text()).toBe(true);
}

/** Let a mode change reach the platform's mixer before measuring. */
const settle = () => new Promise((r) => setTimeout(r, 800));

test('a supervisor listens, coaches and barges in from the console, then leaves; the platform proves who hears whom', async () => {
  test.setTimeout(120_000);
  const jane = await ctx.desk.agent('Jane');
  const call = await ctx.platform.phone.call('+14155550131');
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await jane.getByTestId('answer-button').click();
  await expect(jane.getByTestId('in-call')).toBeVisible();
  await play(call.uuid, { silence: true });
  const janeLeg = await ctx.desk.answeredLeg(call.conversation_uuid, 'Jane');

  const page = await browser.newPage();
  await signIn(page, 'supervisor');
  const row = page.locator('[data-testid="call-row"][data-state="talking"]').filter({ hasText: 'Jane' });
  await expect(row).toBeVisible();
  await expect(page.getByTestId('monitor-status')).toContainText('Not monitoring');
  expect(await seriousA11yViolations(page), 'wallboard with monitor buttons').toEqual([]);

  // Listen, by keyboard.
  await row.getByTestId('monitor-listen').focus();
  await page.keyboard.press('Enter');
  const indicator = page.getByTestId('monitor-status').getByRole('status');
  await expect(indicator).toHaveAttribute('data-phase', 'on', { timeout: 30_000 });
  await expect(indicator).toHaveText('Listening');
  await expect(row.getByTestId('monitor-listen')).toHaveAttribute('aria-pressed', 'true');
  const supervisorLeg = async () =>
    page.evaluate(async (conversation) => {
      const view = (await (await fetch(`/api/admin/calls/${conversation}/monitor`)).json()) as { monitor: { leg: string | null } | null };
      return view.monitor?.leg ?? null;
    }, call.conversation_uuid);
  await expect.poll(supervisorLeg).toBeTruthy();
  const sup = (await supervisorLeg())!;
  expect(await seriousA11yViolations(page), 'wallboard while monitoring').toEqual([]);

  // Listen: the supervisor hears the caller and Jane; neither hears the supervisor.
  await jane.getByTestId('mute-button').click();
  await expect(jane.getByTestId('mute-button')).toHaveAttribute('data-active', 'true');
  await settle();
  await expectSilent(call.uuid, 'listen: the caller does not hear the supervisor');
  await expectSilent(janeLeg, 'listen: Jane does not hear the supervisor');
  await play(call.uuid, { tone: true });
  await expectHears(sup, 'listen: the supervisor hears the caller');
  await play(call.uuid, { silence: true });
  await jane.getByTestId('mute-button').click();
  await expect(jane.getByTestId('mute-button')).toHaveAttribute('data-active', 'false');
  await expectHears(sup, 'listen: the supervisor hears Jane');
  await expectHears(call.uuid, 'listen: the caller still hears Jane');
  await jane.getByTestId('mute-button').click();
  await expect(jane.getByTestId('mute-button')).toHaveAttribute('data-active', 'true');

  // Coach: only Jane hears the supervisor.
  await row.getByTestId('monitor-coach').click();
  await expect(indicator).toHaveText('Coaching the agent');
  await expect(row.getByTestId('monitor-coach')).toHaveAttribute('aria-pressed', 'true');
  await settle();
  await expectHears(janeLeg, 'coach: Jane hears the supervisor');
  await expectSilent(call.uuid, 'coach: the caller does not hear the supervisor');

  // Barge: the caller hears the supervisor too.
  await row.getByTestId('monitor-barge').click();
  await expect(indicator).toHaveText('Barged in: everyone hears you');
  await settle();
  await expectHears(call.uuid, 'barge: the caller hears the supervisor');
  await expectHears(janeLeg, 'barge: Jane hears the supervisor');

  // Leave: the supervisor's leg ends; caller and Jane stay on the call.
  await row.getByTestId('monitor-leave').click();
  await expect(indicator).toHaveText('Not monitoring');
  await expect.poll(() => legStatus(sup)).toBe('completed');
  await settle();
  await expectSilent(call.uuid, 'after leaving: the caller hears nobody (Jane muted)');
  expect((await ctx.platform.phone.get(call.uuid)).status).toBe('answered');
  await expect(jane.getByTestId('in-call')).toBeVisible();

  const steps = (await ctx.desk.callRecord(call.conversation_uuid)).events.filter((e) => e.kind === 'control').map((e) => e.status);
  expect(steps).toEqual(['monitor-listen', 'monitor-joined', 'monitor-coach', 'monitor-barge', 'monitor-left']);

  // The agent hanging up ends the call (the caller is hung up too).
  await jane.getByTestId('hangup-button').click();
  await expect.poll(async () => (await ctx.platform.phone.get(call.uuid)).status).toBe('completed');
  await expect(row).toHaveCount(0);
  await page.close();
});

test('the caller hanging up ends a supervisor still listening, and the console says so', async () => {
  test.setTimeout(90_000);
  const jane = await ctx.desk.agent('Jane');
  const call = await ctx.platform.phone.call('+14155550132');
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await jane.getByTestId('answer-button').click();
  await expect(jane.getByTestId('in-call')).toBeVisible();
  const page = await browser.newPage();
  await signIn(page, 'admin');
  const row = page.locator('[data-testid="call-row"][data-state="talking"]').filter({ hasText: 'Jane' });
  await row.getByTestId('monitor-listen').click();
  const indicator = page.getByTestId('monitor-status').getByRole('status');
  await expect(indicator).toHaveAttribute('data-phase', 'on', { timeout: 30_000 });

  await ctx.platform.phone.hangup(call.uuid);
  await expect(jane.getByTestId('call-ended')).toBeVisible();
  await expect(indicator).toHaveText('Not monitoring');
  await expect(page.getByTestId('monitor-message')).toHaveText('The call has ended');
  await expect
    .poll(async () => (await ctx.desk.callRecord(call.conversation_uuid)).events.filter((e) => e.kind === 'control').map((e) => e.status))
    .toEqual(['monitor-listen', 'monitor-joined', 'monitor-ended']);
  await page.close();
});

test('an agent and a signed-out page cannot monitor or get a supervisor token', async () => {
  const jane = await ctx.desk.agent('Jane');
  const fromAgent = await jane.evaluate(async () => {
    const token = await fetch('/api/console/monitor/token');
    const start = await fetch('/api/admin/calls/anything/monitor', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"mode":"listen"}' });
    return [token.status, start.status];
  });
  expect(fromAgent).toEqual([401, 401]);
  const page = await browser.newPage();
  await page.goto(`${ctx.platform.serverUrl}/console/`);
  const signedOut = await page.evaluate(async () => (await fetch('/api/console/monitor/token')).status);
  expect(signedOut).toBe(401);
  await page.close();
});
