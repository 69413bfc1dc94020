/**
 * Audio devices, call quality and the microphone warnings in the web app, with the real SDK
 * and Chromium's fake devices (a beeping microphone; several fake inputs and outputs).
 *
 * The agent opens Audio settings by keyboard, picks a microphone, speaker and ringer (kept
 * across a reload), sees the microphone level move; during a call the chosen microphone is
 * the one the call sends, the quality reads good with its figures on demand, muting while
 * the fake microphone beeps warns "talking while muted", and a chosen microphone that is
 * unplugged mid-call falls back to the default with a notice, and a microphone sending
 * digital silence is reported (Chromium cannot unplug a fake
 * device: the page's device list is narrowed and `devicechange` fired, as the OS does). At
 * hang-up the call's record keeps the leg's quality summary.
 */
import { expect, test, type Page } from '@playwright/test';
import { agentDeskPerFile } from '../support/agent-desk';
import { seriousA11yViolations } from '../support/axe';

const env = agentDeskPerFile();

/** The non-default options of a device select, as [value, label]. */
async function options(page: Page, testId: string): Promise<Array<[string, string]>> {
  return page.getByTestId(testId).evaluate((select: HTMLSelectElement) => [...select.options].filter((o) => o.value !== '').map((o) => [o.value, o.text] as [string, string]));
}

async function openSettingsByKeyboard(page: Page): Promise<void> {
  await page.getByTestId('audio-settings-button').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('audio-settings')).toBeVisible();
  await expect(page.getByTestId('audio-settings-button')).toHaveAttribute('aria-expanded', 'true');
}

/** Hides one device from the page's list and tells it the devices changed (an unplugged headset); returns a function that plugs it back. */
async function unplug(page: Page, deviceId: string): Promise<() => Promise<void>> {
  await page.evaluate((id) => {
    const media = navigator.mediaDevices;
    const original = media.enumerateDevices.bind(media);
    (window as unknown as { __restoreDevices: () => void }).__restoreDevices = () => {
      media.enumerateDevices = original;
      media.dispatchEvent(new Event('devicechange'));
    };
    media.enumerateDevices = async () => (await original()).filter((device) => device.deviceId !== id);
    media.dispatchEvent(new Event('devicechange'));
  }, deviceId);
  return () => page.evaluate(() => (window as unknown as { __restoreDevices: () => void }).__restoreDevices());
}

test('the agent chooses devices by keyboard, the choice is remembered, the level meter moves, axe is clean', async () => {
  const jane = await env.desk.agent('Jane');
  await openSettingsByKeyboard(jane);
  // The lists fill once the page has enumerated the devices, after the panel shows.
  await expect.poll(async () => (await options(jane, 'audio-input')).length).toBeGreaterThanOrEqual(2);
  await expect.poll(async () => (await options(jane, 'audio-output')).length).toBeGreaterThanOrEqual(1);
  const inputs = await options(jane, 'audio-input');
  const outputs = await options(jane, 'audio-output');
  // Labels are shown once the page may use the microphone (the level meter opened it).
  await expect.poll(async () => (await options(jane, 'audio-input')).every(([, label]) => /fake/i.test(label))).toBe(true);
  // The fake microphone beeps: the meter moves.
  await expect.poll(async () => Number(await jane.getByTestId('mic-level').getAttribute('data-level')), { timeout: 10_000 }).toBeGreaterThan(0.01);
  expect(await seriousA11yViolations(jane)).toEqual([]);

  const [mic] = inputs.at(-1)!;
  const [speaker] = outputs.at(-1)!;
  await jane.getByTestId('audio-input').focus();
  await jane.getByTestId('audio-input').selectOption(mic);
  await jane.getByTestId('audio-output').selectOption(speaker);
  await jane.getByTestId('audio-ringer').selectOption(speaker);
  await jane.getByTestId('audio-ringer-volume').fill('40');
  // The test sound plays through to its end on the chosen speaker.
  await jane.getByTestId('audio-test-output').click();
  await expect(jane.getByTestId('audio-test-output')).toHaveText('Play a test sound');
  await expect(jane.getByTestId('audio-test-output')).toBeEnabled();
  await expect(jane.getByTestId('device-notice-message')).toHaveCount(0);
  // Escape closes the panel and gives focus back to its button.
  await jane.getByTestId('audio-ringer').focus();
  await jane.keyboard.press('Escape');
  await expect(jane.getByTestId('audio-settings')).toBeHidden();
  await expect(jane.getByTestId('audio-settings-button')).toBeFocused();

  await jane.reload();
  await expect(jane.getByTestId('status')).toHaveAttribute('data-voice', 'ready');
  await openSettingsByKeyboard(jane);
  await expect(jane.getByTestId('audio-input')).toHaveValue(mic);
  await expect(jane.getByTestId('audio-output')).toHaveValue(speaker);
  await expect(jane.getByTestId('audio-ringer')).toHaveValue(speaker);
  await expect(jane.getByTestId('audio-ringer-volume')).toHaveValue('40');
  await expect(jane.getByTestId('device-notice-message')).toHaveCount(0);
});

test('in a call: the chosen microphone is sent, quality reads good, talking while muted warns, an unplugged microphone falls back with a notice', async () => {
  const jane = await env.desk.agent('Jane');
  await openSettingsByKeyboard(jane);
  await expect.poll(async () => (await options(jane, 'audio-input')).length).toBeGreaterThanOrEqual(2);
  const [mic] = (await options(jane, 'audio-input')).at(-1)!;
  await jane.getByTestId('audio-input').selectOption(mic);

  const call = await env.platform.phone.call('+14155550123');
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await jane.getByTestId('answer-button').click();
  await expect(jane.getByTestId('in-call')).toBeVisible();
  // The call sends the chosen microphone, and the caller hears it.
  await expect(jane.getByTestId('audio-call-input')).toHaveAttribute('data-device-id', mic);
  await expect.poll(() => env.desk.audible(call.uuid)).toBeGreaterThan(10);

  // Quality: a clean loopback line is good; the figures are one click (or Enter) away.
  await expect(jane.getByTestId('call-quality')).toHaveAttribute('data-quality', 'good');
  await expect(jane.getByTestId('call-quality-label')).toHaveText('Call quality: Good');
  await jane.getByTestId('call-quality-details-button').focus();
  await jane.keyboard.press('Enter');
  await expect(jane.getByTestId('quality-mos')).toHaveText(/^4\.\d\d$/);
  await expect(jane.getByTestId('quality-loss')).toHaveText(/^\d+\.\d %$/);
  await expect(jane.getByTestId('quality-jitter')).toHaveText(/^\d+ ms$/);

  // Muted while the (beeping) microphone picks up sound: the agent is told.
  await expect(jane.getByTestId('talking-while-muted')).toHaveCount(0);
  await jane.getByTestId('in-call-with').click(); // focus out of the panel buttons, onto the card
  await jane.keyboard.press('m');
  await expect(jane.getByTestId('in-call')).toHaveAttribute('data-muted', 'true');
  await expect(jane.getByTestId('talking-while-muted')).toBeVisible();
  expect(await seriousA11yViolations(jane)).toEqual([]);
  await jane.keyboard.press('m');
  await expect(jane.getByTestId('in-call')).toHaveAttribute('data-muted', 'false');
  await expect(jane.getByTestId('talking-while-muted')).toHaveCount(0);

  // The chosen microphone is unplugged mid-call: the default takes over, with a notice.
  const plugBack = await unplug(jane, mic);
  await expect(jane.getByTestId('device-notice-message')).toHaveText('Your chosen microphone was disconnected: using the default device instead.');
  await expect(jane.getByTestId('audio-call-input')).not.toHaveAttribute('data-device-id', mic);
  const before = await env.desk.audible(call.uuid);
  await expect.poll(() => env.desk.audible(call.uuid)).toBeGreaterThan(before + 10);
  // Plugged back: used again, and the notice goes.
  await plugBack();
  await expect(jane.getByTestId('audio-call-input')).toHaveAttribute('data-device-id', mic);
  await expect(jane.getByTestId('device-notice-message')).toHaveCount(0);
  expect(await seriousA11yViolations(jane)).toEqual([]);

  await jane.getByTestId('hangup-button').click();
  await expect(jane.getByTestId('call-ended')).toBeVisible();
  // The call's record keeps Jane's leg's quality.
  type Legs = { legs: Array<{ agent: string; label: string; mos_avg: number; samples: number; packets_received: number }> };
  await expect.poll(async () => (await env.desk.admin<Legs>(`/api/admin/calls/${call.conversation_uuid}/quality`)).legs.length).toBe(1);
  const { legs } = await env.desk.admin<Legs>(`/api/admin/calls/${call.conversation_uuid}/quality`);
  expect(legs[0]).toMatchObject({ agent: 'jane', label: 'good' });
  expect(legs[0]!.mos_avg).toBeGreaterThan(4);
  expect(legs[0]!.samples).toBeGreaterThan(3);
  expect(legs[0]!.packets_received).toBeGreaterThan(100);
});

test('a microphone delivering digital silence during a call is reported after 10 s; the warning ends with the call', async () => {
  const jane = await env.desk.agent('Jane');
  // A dead microphone: every capture is a silent track (what a muted-in-hardware headset sends).
  await jane.addInitScript(() => {
    const media = navigator.mediaDevices;
    const original = media.getUserMedia.bind(media);
    media.getUserMedia = async (constraints?: MediaStreamConstraints) => {
      const real = await original(constraints);
      if (!constraints?.audio) return real;
      for (const track of real.getTracks()) track.stop();
      return new AudioContext().createMediaStreamDestination().stream;
    };
  });
  await jane.reload();
  await expect(jane.getByTestId('status')).toHaveAttribute('data-voice', 'ready');

  const call = await env.platform.phone.call('+14155550124');
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await jane.getByTestId('answer-button').click();
  await expect(jane.getByTestId('in-call')).toBeVisible();
  await expect(jane.getByTestId('silent-mic')).toHaveCount(0);
  await expect(jane.getByTestId('silent-mic')).toBeVisible({ timeout: 30_000 });
  await expect(jane.getByTestId('mic-warnings')).toContainText('Your microphone is sending silence');
  expect(await seriousA11yViolations(jane)).toEqual([]);
  // The caller indeed hears nothing from Jane (the greeting before the answer aside).
  const heardBefore = await env.desk.audible(call.uuid);
  await jane.waitForTimeout(2000);
  expect((await env.desk.audible(call.uuid)) - heardBefore).toBeLessThan(5);

  await env.platform.phone.hangup(call.uuid);
  await expect(jane.getByTestId('call-ended')).toBeVisible();
  await expect(jane.getByTestId('silent-mic')).toHaveCount(0);
});
