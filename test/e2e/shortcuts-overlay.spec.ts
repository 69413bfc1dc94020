/**
 * The shortcuts overlay and the favicon badge in the web app: `?` opens a modal listing the
 * in-app keys (and why there are no global ones on the web), focus stays inside, Escape
 * closes it and gives focus back; the tab's icon shows "!" while a call rings and the missed
 * count afterwards, like the title. axe-core on the open dialog, light and dark.
 */
import { expect, test } from '@playwright/test';
import { agentDeskPerFile } from '../support/agent-desk';
import { seriousA11yViolations } from '../support/axe';

const env = agentDeskPerFile();

test('? opens the shortcuts dialog; focus is trapped; Escape closes it and focus returns', async () => {
  const jane = await env.desk.agent('Jane');
  const dialog = jane.getByTestId('shortcuts-dialog');
  await expect(dialog).toBeHidden();
  await jane.getByTestId('tab-recent').focus();
  await jane.keyboard.press('?');
  await expect(dialog).toBeVisible();
  await expect(jane.getByTestId('shortcuts-close')).toBeFocused();
  await expect(jane.getByTestId('shortcuts-in-app')).toContainText('Mute or unmute the call');
  await expect(jane.getByTestId('shortcuts-global-none')).toHaveText('Global shortcuts need the desktop app');
  expect(await seriousA11yViolations(jane)).toEqual([]);
  await jane.emulateMedia({ colorScheme: 'dark' });
  expect(await seriousA11yViolations(jane)).toEqual([]);
  await jane.emulateMedia({ colorScheme: 'light' });

  // Tab never leaves the modal dialog (the page behind is inert).
  for (let i = 0; i < 4; i++) {
    await jane.keyboard.press('Tab');
    expect(await jane.evaluate(() => document.activeElement === document.body || !!document.activeElement?.closest('[data-testid="shortcuts-dialog"]'))).toBe(true);
  }
  await jane.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(jane.getByTestId('tab-recent')).toBeFocused();

  // The header's button opens it too; Close closes it.
  await jane.getByTestId('shortcuts-button').click();
  await expect(dialog).toBeVisible();
  await jane.getByTestId('shortcuts-close').click();
  await expect(dialog).toBeHidden();
  // Typing ? into a field is typing, not the shortcut.
  await jane.getByTestId('tab-phone').click();
  await jane.getByTestId('dial-number').fill('');
  await jane.getByTestId('dial-number').press('?');
  await expect(dialog).toBeHidden();
});

test('the tab icon shows ! while a call rings and then the missed count', async () => {
  const jane = await env.desk.agent('Jane');
  const icon = jane.locator('link[rel="icon"][data-switchboard]');
  await expect(icon).toHaveAttribute('data-badge', '');
  const call = await env.platform.phone.call('+14155550161');
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await expect(icon).toHaveAttribute('data-badge', '!');
  await expect(icon).toHaveAttribute('href', /^data:image\/png;base64,/);
  await env.platform.phone.hangup(call.uuid);
  await expect(jane.getByTestId('missed-badge')).toContainText('1', { timeout: 15_000 });
  await expect(icon).toHaveAttribute('data-badge', '1');
  await jane.getByTestId('tab-recent').click();
  await expect(jane.getByTestId('missed-badge')).toHaveCount(0);
  await expect(icon).toHaveAttribute('data-badge', '');
});
