import { describe, expect, it } from 'vitest';
import { agentJoinNcco, connectPhoneNcco, goodbyeNcco, GOODBYE, speechBeforeConnect, voicemailNcco, VOICEMAIL_GREETING } from '../../../../server/flows/actions';
import { positionText, queueCallerNcco } from '../../../../server/flows/queue';
import { validateNcco } from '../../../../server/flows/validate-ncco';
import { queueSettings } from '../../../../server/queues/schema';

const MUSIC = 'http://127.0.0.1:3030/assets/hold-music.wav';
const hold = { conversation: 'queue-leg-9', musicUrl: MUSIC };

describe('queue flow NCCOs (seed 003)', () => {
  it('greets and holds the caller with music', () => {
    const ncco = queueCallerNcco(queueSettings.parse({}), 3, hold);
    expect(ncco).toEqual([
      { action: 'talk', text: 'Thank you for calling. Please hold and the next available agent will be with you.' },
      { action: 'conversation', name: 'queue-leg-9', startOnEnter: false, musicOnHoldUrl: [MUSIC], endOnExit: true },
    ]);
    expect(validateNcco(ncco).ok).toBe(true);
  });

  it('announces the position when configured', () => {
    const ncco = queueCallerNcco(queueSettings.parse({ announce_position: true, greeting: 'Hi.' }), 3, hold);
    expect(ncco.slice(0, 2)).toEqual([
      { action: 'talk', text: 'Hi.' },
      { action: 'talk', text: 'You are number 3 in line.' },
    ]);
    expect(positionText(1)).toBe('You are next in line.');
  });

  it("joins an agent to the caller's conversation, with the queue's whisper when set", () => {
    expect(agentJoinNcco('queue-leg-9', null)).toEqual([{ action: 'conversation', name: 'queue-leg-9', startOnEnter: true }]);
    expect(agentJoinNcco('queue-leg-9', 'Call from the support queue')[0]).toEqual({ action: 'talk', text: 'Call from the support queue' });
  });
});

describe('redirect NCCOs', () => {
  it('voicemail: greeting, beep, record until # or silence, thanks', () => {
    const ncco = voicemailNcco('http://127.0.0.1:3030/webhooks/recording?call=leg-9');
    expect(ncco[0]).toEqual({ action: 'talk', text: VOICEMAIL_GREETING });
    expect(ncco[1]).toEqual({
      action: 'record',
      format: 'mp3',
      beepStart: true,
      endOnKey: '#',
      endOnSilence: 5,
      timeOut: 120,
      eventUrl: ['http://127.0.0.1:3030/webhooks/recording?call=leg-9'],
    });
    expect(ncco[2]).toMatchObject({ action: 'talk' });
    expect(validateNcco(ncco).ok).toBe(true);
  });

  it('an outside number, shown as calling from ours', () => {
    expect(connectPhoneNcco('447700900123', '14155550155', 30)[1]).toEqual({
      action: 'connect',
      timeout: 30,
      from: '14155550155',
      endpoint: [{ type: 'phone', number: '447700900123' }],
    });
  });

  it('disconnect says goodbye', () => {
    expect(goodbyeNcco()).toEqual([{ action: 'talk', text: GOODBYE }]);
    expect(goodbyeNcco('Bye.')).toEqual([{ action: 'talk', text: 'Bye.' }]);
  });
});

describe('speech a transfer says through the Voice API (speechBeforeConnect)', () => {
  it('takes the talks before a connect or a conversation, joined in order', () => {
    const queued = queueCallerNcco(queueSettings.parse({ announce_position: true, greeting: 'Hi.' }), 3, hold);
    expect(speechBeforeConnect(queued)).toEqual({ said: 'Hi. You are number 3 in line.', rest: queued.slice(2) });
    const phone = connectPhoneNcco('447700900123', '14155550155', 30);
    expect(speechBeforeConnect(phone)).toEqual({ said: 'Please wait while we connect you.', rest: phone.slice(1) });
  });

  it('leaves speech before a recording, a goodbye, a talk with options, and an NCCO that starts without talk', () => {
    for (const ncco of [
      voicemailNcco('http://127.0.0.1:3030/webhooks/recording?call=leg-9'),
      goodbyeNcco(),
      [{ action: 'talk' as const, text: 'Hola.', language: 'es-ES' }, ...agentJoinNcco('queue-leg-9', null)],
      agentJoinNcco('queue-leg-9', null),
    ]) {
      expect(speechBeforeConnect(ncco)).toEqual({ said: null, rest: ncco });
    }
  });
});
