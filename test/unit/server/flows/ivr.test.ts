import { describe, expect, it } from 'vitest';
import { IVR_ATTEMPTS, ivrChoice, ivrConnectGreeting, ivrMenuNcco } from '../../../../server/flows/ivr';
import { validateNcco } from '../../../../server/flows/validate-ncco';
import { menuPrompt, numberSettings, type IvrSettings } from '../../../../server/numbers/schema';

const DTMF = 'http://127.0.0.1:3030/webhooks/dtmf?number=14155550188&attempt=1';
const seed = numberSettings.parse({ flow: 'ivr' }) as IvrSettings;

describe('IVR flow NCCO', () => {
  it("is the seed's IVR menu by default", () => {
    const ncco = ivrMenuNcco(seed, DTMF, 1);
    expect(ncco).toEqual([
      { action: 'talk', text: 'Thank you for calling my contact center.' },
      { action: 'talk', text: 'To talk to Jane, please press 1, or, to talk to Joe, press 2.', bargeIn: true },
      { action: 'input', type: ['dtmf'], dtmf: { maxDigits: 1, timeOut: 5 }, eventUrl: [DTMF] },
    ]);
    expect(validateNcco(ncco).ok).toBe(true);
  });

  it('repeats with the retry message instead of the greeting', () => {
    const ncco = ivrMenuNcco(seed, DTMF, 2);
    expect(ncco[0]).toEqual({ action: 'talk', text: 'Sorry, that is not one of the options.' });
    expect(ncco[1]).toMatchObject({ text: seed.prompt });
  });

  it('maps 1 to Jane and 2 to Joe', () => {
    expect(ivrChoice(seed, '1', 1)).toEqual({ kind: 'option', digit: '1', target: { type: 'agent', agent: 'Jane' } });
    expect(ivrChoice(seed, '2', 2)).toEqual({ kind: 'option', digit: '2', target: { type: 'agent', agent: 'Joe' } });
    expect(ivrConnectGreeting('Jane')).toBe('Please wait while we connect you to Jane');
  });

  it('repeats once on a wrong key or none, then takes the fallback', () => {
    expect(IVR_ATTEMPTS).toBe(2);
    expect(ivrChoice(seed, '9', 1)).toEqual({ kind: 'repeat', attempt: 2 });
    expect(ivrChoice(seed, '', 1)).toEqual({ kind: 'repeat', attempt: 2 });
    expect(ivrChoice(seed, undefined, 1)).toEqual({ kind: 'repeat', attempt: 2 });
    expect(ivrChoice(seed, '9', 2)).toEqual({ kind: 'fallback', target: { type: 'voicemail' } });
    expect(ivrChoice(seed, undefined, 2)).toEqual({ kind: 'fallback', target: { type: 'voicemail' } });
  });

  it('uses the first key when several arrive', () => {
    expect(ivrChoice(seed, '21', 1)).toMatchObject({ kind: 'option', digit: '2' });
  });

  it('follows configured options, prompt and fallback', () => {
    const settings = numberSettings.parse({
      flow: 'ivr',
      options: [
        { digit: '1', target: { type: 'queue', queue: 'sales' } },
        { digit: '#', target: { type: 'voicemail' } },
      ],
      fallback: { type: 'agent', agent: 'Operator' },
      input_timeout_s: 8,
    }) as IvrSettings;
    expect(settings.prompt).toBe('To reach the sales queue, please press 1, or, to leave a message, press hash.');
    expect(ivrMenuNcco(settings, DTMF, 1)[2]).toMatchObject({ dtmf: { maxDigits: 1, timeOut: 8 } });
    expect(ivrChoice(settings, '#', 1)).toMatchObject({ kind: 'option', target: { type: 'voicemail' } });
    expect(ivrChoice(settings, '2', 2)).toEqual({ kind: 'fallback', target: { type: 'agent', agent: 'Operator' } });
    expect(menuPrompt([{ digit: '*', target: { type: 'disconnect' } }])).toBe('To end the call, please press star.');
  });
});
