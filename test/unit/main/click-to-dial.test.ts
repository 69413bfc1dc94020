import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClickToDial, DIAL_PROTOCOLS, dialLinkFromArgv, parseDialLink } from '../../../main/click-to-dial';
import { createRecordingLogger } from '../../../main/log';
import { app, configure, reset } from '../../desktop/double';

describe('parseDialLink', () => {
  it.each([
    ['tel:+14155550100', '14155550100'],
    ['tel:+1-415-555-0100', '14155550100'],
    ['TEL:+1%20415%20555%200100', '14155550100'],
    ['tel:+44 20 7946 0000;ext=12', '442079460000'],
    ['callto:+14155550100', '14155550100'],
    ['callto://+14155550100', '14155550100'],
    ['callto:14155550100', '14155550100'],
    ['sip:+14155550100@example.com;user=phone', '14155550100'],
    ['sip:+442079460123@pbx.example.com', '442079460123'],
  ])('%s names %s', (link, number) => {
    expect(parseDialLink(link)?.number).toBe(number);
  });

  it('formats the number for display', () => {
    expect(parseDialLink('tel:14155550100')).toEqual({ number: '14155550100', display: '+1 415 555 0100' });
  });

  it.each(['tel:', 'tel:0201234567', 'tel:+1', 'sip:alice@example.com', 'callto:jane.doe', 'mailto:+14155550100', 'https://x/tel:+14155550100', 'tel:%E0%A4%A'])(
    '%s names no callable number',
    (link) => {
      expect(parseDialLink(link)).toBeNull();
    },
  );

  it('finds the link on a command line, after the app and Electron switches', () => {
    expect(dialLinkFromArgv(['/opt/Switchboard/switchboard', '--no-sandbox', 'tel:+14155550100'])).toEqual({
      link: 'tel:+14155550100',
      request: { number: '14155550100', display: '+1 415 555 0100' },
    });
    expect(dialLinkFromArgv(['/opt/Switchboard/switchboard', '--flag'])).toBeNull();
    expect(dialLinkFromArgv(['app', 'callto:nobody'])).toEqual({ link: 'callto:nobody', request: null });
  });
});

/** ClickToDial on the Electron double's app, as `platform` (packaged unless told otherwise). */
async function setup(platform: NodeJS.Platform, packaged = true) {
  await reset();
  configure({ platform, packaged });
  const registered = vi.spyOn(app, 'setAsDefaultProtocolClient');
  const requests: unknown[] = [];
  const invalid: string[] = [];
  const dial = new ClickToDial({ app, platform, onRequest: (r) => requests.push(r), onInvalid: (m) => invalid.push(m), log: createRecordingLogger() });
  return { dial, requests, invalid, registered };
}

afterEach(() => {
  vi.restoreAllMocks();
  return reset();
});

describe('ClickToDial', () => {
  it('takes macOS open-url links (and keeps macOS from opening them elsewhere)', async () => {
    const { requests } = await setup('darwin');
    expect(app.simulateOpenUrl('tel:+14155550100')).toBe(true);
    expect(requests).toEqual([{ number: '14155550100', display: '+1 415 555 0100' }]);
  });

  it('says so when a link names no phone number', async () => {
    const { dial, requests, invalid } = await setup('linux');
    expect(dial.fromArgv(['app', 'sip:alice@example.com'])).toBe(true);
    expect(requests).toEqual([]);
    expect(invalid[0]).toMatch(/did not contain a phone number/);
  });

  it.each(['darwin', 'win32'] as const)('registers tel, callto and sip at run time on %s when packaged', async (platform) => {
    const { dial } = await setup(platform);
    expect(dial.register()).toEqual([...DIAL_PROTOCOLS]);
    expect([...app.protocolClients].sort()).toEqual(['callto', 'sip', 'tel']);
  });

  it('leaves registration to the .desktop entry on Linux and never registers a development run', async () => {
    const linux = await setup('linux');
    expect(linux.dial.register()).toEqual([]);
    expect(linux.registered).not.toHaveBeenCalled();
    const dev = await setup('win32', false);
    expect(dev.dial.register()).toEqual([]);
    expect(dev.registered).not.toHaveBeenCalled();
  });

  it('does not register again where it already is the handler', async () => {
    const { dial, registered } = await setup('win32');
    app.protocolClients.add('tel');
    expect(dial.register()).toEqual(['tel', 'callto', 'sip']);
    expect(registered.mock.calls.map((call) => call[0])).toEqual(['callto', 'sip']);
  });
});
