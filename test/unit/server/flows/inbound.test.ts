import { describe, expect, it } from 'vitest';
import { inboundCallNcco, inboundGreeting, nextAgentNcco } from '../../../../server/flows/inbound';
import { validateNcco } from '../../../../server/flows/validate-ncco';
import { numberSettings, type InboundSettings } from '../../../../server/numbers/schema';

const MUSIC = 'http://127.0.0.1:3030/assets/hold-music.wav';
const defaults = numberSettings.parse({ flow: 'inbound' }) as InboundSettings;

describe('inbound flow NCCO', () => {
  it("starts exactly as the seed's Inbound Call NCCO for Jane, then holds with music", () => {
    const ncco = inboundCallNcco(defaults, 'Jane', MUSIC);
    expect(ncco.slice(0, 2)).toEqual([
      { action: 'talk', text: 'Thank you for calling Jane' },
      { action: 'connect', timeout: 20, endpoint: [{ type: 'app', user: 'Jane' }] },
    ]);
    expect(ncco[2]).toEqual({ action: 'stream', streamUrl: [MUSIC], loop: 0 });
    expect(validateNcco(ncco).ok).toBe(true);
  });

  it('greets with the agent chosen and the configured ring time', () => {
    const settings = numberSettings.parse({ flow: 'inbound', greeting: 'Hello, {agent} will help you. {agent} is ready.', ring_timeout_s: 15 }) as InboundSettings;
    const ncco = inboundCallNcco(settings, 'Joe', MUSIC);
    expect(ncco[0]).toEqual({ action: 'talk', text: 'Hello, Joe will help you. Joe is ready.' });
    expect(ncco[1]).toMatchObject({ action: 'connect', timeout: 15, endpoint: [{ type: 'app', user: 'Joe' }] });
    expect(inboundGreeting(settings, 'Ann')).toBe('Hello, Ann will help you. Ann is ready.');
  });

  it('rings the next agent without a second greeting', () => {
    const ncco = nextAgentNcco(25, 'Joe', MUSIC);
    expect(ncco).toEqual([
      { action: 'connect', timeout: 25, endpoint: [{ type: 'app', user: 'Joe' }] },
      { action: 'stream', streamUrl: [MUSIC], loop: 0 },
    ]);
  });
});
