import { describe, expect, it } from 'vitest';
import { MAX_NCCO_ACTIONS, validateNcco } from '../../../../server/flows/validate-ncco';

const URL = 'https://example.com/hook';

describe('validateNcco accepts', () => {
  it.each([
    ['the seed inbound NCCO', [{ action: 'talk', text: 'Thank you for calling Jane' }, { action: 'connect', endpoint: [{ type: 'app', user: 'Jane' }] }]],
    [
      'the seed outbound NCCO',
      [
        { action: 'talk', text: 'Please wait while we connect you.' },
        { action: 'connect', timeout: 20, from: '14155550199', endpoint: [{ type: 'phone', number: '14155550100' }] },
      ],
    ],
    ['an IVR menu', [{ action: 'talk', text: 'Press 1' }, { action: 'input', type: ['dtmf'], dtmf: { maxDigits: 1, timeOut: 5, submitOnHash: true }, eventUrl: [URL] }]],
    ['a whisper hold', [{ action: 'conversation', name: 'conf-1', startOnEnter: false, musicOnHoldUrl: ['http://127.0.0.1:3030/assets/hold-music.wav'], endOnExit: true }]],
    ['a voicemail', [{ action: 'record', format: 'mp3', beepStart: true, endOnKey: '#', endOnSilence: 3, timeOut: 60, eventUrl: [URL], eventMethod: 'POST' }]],
    ['a stereo recording', [{ action: 'record', channels: 2, split: 'conversation' }]],
    ['stream and notify', [{ action: 'stream', streamUrl: [URL], loop: 0, level: -0.5 }, { action: 'notify', payload: { a: 1, b: { c: true } }, eventUrl: [URL] }]],
    ['speech input', [{ action: 'input', type: ['speech'], speech: { language: 'en-GB', context: ['sales'], endOnSilence: 1.5, uuid: ['leg-1'] } }]],
    ['sip, websocket and vbc endpoints', [
      { action: 'connect', endpoint: [{ type: 'sip', uri: 'sip:alice@example.com', headers: { x: 'y' } }] },
      { action: 'connect', endpoint: [{ type: 'websocket', uri: 'wss://example.com/socket', 'content-type': 'audio/l16;rate=16000' }] },
      { action: 'connect', endpoint: [{ type: 'vbc', extension: '1234' }] },
    ]],
    ['a phone endpoint with onAnswer', [{ action: 'connect', endpoint: [{ type: 'phone', number: '+14155550100', dtmfAnswer: '1p2', onAnswer: { url: URL } }] }]],
    ['a talk with every option', [{ action: 'talk', text: 'Hi', bargeIn: true, loop: 2, level: 0.5, language: 'en-US', style: 2, premium: false }]],
  ])('%s', (_name, ncco) => {
    const result = validateNcco(ncco);
    expect(result).toEqual({ ok: true, ncco });
  });
});

describe('validateNcco rejects, naming the path', () => {
  it.each<[string, unknown, string]>([
    ['not an array', { action: 'talk', text: 'x' }, 'ncco'],
    ['an empty array', [], 'ncco'],
    ['too many actions', Array.from({ length: MAX_NCCO_ACTIONS + 1 }, () => ({ action: 'talk', text: 'x' })), 'ncco'],
    ['an action that is not an object', ['talk'], 'ncco[0]'],
    ['a missing action name', [{ text: 'hello' }], 'ncco[0].action'],
    ['an unknown action', [{ action: 'dance' }], 'ncco[0].action'],
    ['a talk without text', [{ action: 'talk' }], 'ncco[0].text'],
    ['a talk with empty text', [{ action: 'talk', text: '   ' }], 'ncco[0].text'],
    ['a talk too long', [{ action: 'talk', text: 'x'.repeat(1501) }], 'ncco[0].text'],
    ['a misspelt field', [{ action: 'talk', txt: 'hello' }], 'ncco[0].text'],
    ['an unknown extra field', [{ action: 'talk', text: 'hi', colour: 'red' }], 'ncco[0].colour'],
    ['a level out of range', [{ action: 'talk', text: 'hi', level: 2 }], 'ncco[0].level'],
    ['a bad language', [{ action: 'talk', text: 'hi', language: 'English' }], 'ncco[0].language'],
    ['a negative loop', [{ action: 'stream', streamUrl: [URL], loop: -1 }], 'ncco[0].loop'],
    ['a stream URL that is not http(s)', [{ action: 'stream', streamUrl: ['ftp://example.com/a.mp3'] }], 'ncco[0].streamUrl[0]'],
    ['a stream URL list with two URLs', [{ action: 'stream', streamUrl: [URL, URL] }], 'ncco[0].streamUrl'],
    ['a stream URL as a string', [{ action: 'stream', streamUrl: URL }], 'ncco[0].streamUrl'],
    ['a relative eventUrl', [{ action: 'input', type: ['dtmf'], eventUrl: ['/webhooks/dtmf'] }], 'ncco[0].eventUrl[0]'],
    ['a javascript: URL', [{ action: 'notify', payload: {}, eventUrl: ['javascript:alert(1)'] }], 'ncco[0].eventUrl[0]'],
    ['an input without type', [{ action: 'input', eventUrl: [URL] }], 'ncco[0].type'],
    ['an input with an unknown type', [{ action: 'input', type: ['voice'] }], 'ncco[0].type[0]'],
    ['an input with a repeated type', [{ action: 'input', type: ['dtmf', 'dtmf'] }], 'ncco[0].type'],
    ['dtmf settings without the dtmf type', [{ action: 'input', type: ['speech'], dtmf: { maxDigits: 2 } }], 'ncco[0].dtmf'],
    ['maxDigits above 20', [{ action: 'input', type: ['dtmf'], dtmf: { maxDigits: 21 } }], 'ncco[0].dtmf.maxDigits'],
    ['a dtmf timeOut above 10', [{ action: 'input', type: ['dtmf'], dtmf: { timeOut: 11 } }], 'ncco[0].dtmf.timeOut'],
    ['an input eventMethod that is not GET/POST', [{ action: 'input', type: ['dtmf'], eventMethod: 'PATCH' }], 'ncco[0].eventMethod'],
    ['a connect without endpoint', [{ action: 'connect' }], 'ncco[0].endpoint'],
    ['a connect with no endpoints', [{ action: 'connect', endpoint: [] }], 'ncco[0].endpoint'],
    ['a connect with two endpoints', [{ action: 'connect', endpoint: [{ type: 'app', user: 'a' }, { type: 'app', user: 'b' }] }], 'ncco[0].endpoint'],
    ['an app endpoint without user', [{ action: 'talk', text: 'x' }, { action: 'talk', text: 'y' }, { action: 'connect', endpoint: [{ type: 'app' }] }], 'ncco[2].endpoint[0].user'],
    ['an app endpoint with an empty user', [{ action: 'connect', endpoint: [{ type: 'app', user: '' }] }], 'ncco[0].endpoint[0].user'],
    ['an unknown endpoint type', [{ action: 'connect', endpoint: [{ type: 'fax', number: '1' }] }], 'ncco[0].endpoint[0].type'],
    ['a phone endpoint with letters', [{ action: 'connect', endpoint: [{ type: 'phone', number: 'call-me' }] }], 'ncco[0].endpoint[0].number'],
    ['a phone endpoint too short', [{ action: 'connect', endpoint: [{ type: 'phone', number: '123' }] }], 'ncco[0].endpoint[0].number'],
    ['a bad dtmfAnswer', [{ action: 'connect', endpoint: [{ type: 'phone', number: '14155550100', dtmfAnswer: 'abc' }] }], 'ncco[0].endpoint[0].dtmfAnswer'],
    ['an onAnswer URL that is not http(s)', [{ action: 'connect', endpoint: [{ type: 'phone', number: '14155550100', onAnswer: { url: 'file:///etc/passwd' } }] }], 'ncco[0].endpoint[0].onAnswer.url'],
    ['a sip URI without sip:', [{ action: 'connect', endpoint: [{ type: 'sip', uri: 'alice@example.com' }] }], 'ncco[0].endpoint[0].uri'],
    ['a websocket URI over http', [{ action: 'connect', endpoint: [{ type: 'websocket', uri: 'http://example.com', 'content-type': 'audio/l16;rate=8000' }] }], 'ncco[0].endpoint[0].uri'],
    ['a websocket with a bad content type', [{ action: 'connect', endpoint: [{ type: 'websocket', uri: 'wss://example.com', 'content-type': 'audio/mp3' }] }], 'ncco[0].endpoint[0].content-type'],
    ['a connect from that is not a number', [{ action: 'connect', from: 'Jane', endpoint: [{ type: 'phone', number: '14155550100' }] }], 'ncco[0].from'],
    ['from together with randomFromNumber', [{ action: 'connect', from: '14155550199', randomFromNumber: true, endpoint: [{ type: 'phone', number: '14155550100' }] }], 'ncco[0].randomFromNumber'],
    ['a connect timeout of 0', [{ action: 'connect', timeout: 0, endpoint: [{ type: 'app', user: 'Jane' }] }], 'ncco[0].timeout'],
    ['a connect timeout as a string', [{ action: 'connect', timeout: '20', endpoint: [{ type: 'app', user: 'Jane' }] }], 'ncco[0].timeout'],
    ['a limit above two hours', [{ action: 'connect', limit: 7201, endpoint: [{ type: 'app', user: 'Jane' }] }], 'ncco[0].limit'],
    ['an eventType other than synchronous', [{ action: 'connect', eventType: 'async', endpoint: [{ type: 'app', user: 'Jane' }] }], 'ncco[0].eventType'],
    ['a conversation without name', [{ action: 'conversation', startOnEnter: false }], 'ncco[0].name'],
    ['a conversation name with control characters', [{ action: 'conversation', name: 'a\nb' }], 'ncco[0].name'],
    ['a conversation startOnEnter as a string (the seed 002 sample)', [{ action: 'conversation', name: 'c', startOnEnter: 'false' }], 'ncco[0].startOnEnter'],
    ['a musicOnHoldUrl that is not a URL', [{ action: 'conversation', name: 'c', musicOnHoldUrl: ['not a url'] }], 'ncco[0].musicOnHoldUrl[0]'],
    ['a record format that is not supported', [{ action: 'record', format: 'flac' }], 'ncco[0].format'],
    ['a record endOnKey of two keys', [{ action: 'record', endOnKey: '##' }], 'ncco[0].endOnKey'],
    ['a record endOnSilence below 3', [{ action: 'record', endOnSilence: 1 }], 'ncco[0].endOnSilence'],
    ['a record timeOut above 7200', [{ action: 'record', timeOut: 7201 }], 'ncco[0].timeOut'],
    ['two channels without split', [{ action: 'record', channels: 2 }], 'ncco[0].split'],
    ['a notify without eventUrl', [{ action: 'notify', payload: { a: 1 } }], 'ncco[0].eventUrl'],
    ['a notify payload that is not an object', [{ action: 'notify', payload: 'x', eventUrl: [URL] }], 'ncco[0].payload'],
    ['an error deep in the list', [{ action: 'talk', text: 'a' }, { action: 'talk', text: 'b' }, { action: 'talk', text: 'c' }, { action: 'stream', streamUrl: ['nope'] }], 'ncco[3].streamUrl[0]'],
  ])('%s', (_name, ncco, field) => {
    const result = validateNcco(ncco);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.field).toBe(field);
    expect(result.message.length).toBeGreaterThan(3);
  });

  it('says what is wrong in words an operator can act on', () => {
    expect(validateNcco([{ action: 'connect', endpoint: [{ type: 'app' }] }])).toEqual({ ok: false, field: 'ncco[0].endpoint[0].user', message: 'is required' });
    expect(validateNcco([{ action: 'dance' }])).toMatchObject({ field: 'ncco[0].action', message: expect.stringContaining('talk') });
    expect(validateNcco([{ action: 'stream', streamUrl: ['ftp://x'] }])).toMatchObject({ message: 'must be an absolute http(s) URL' });
    expect(validateNcco('x')).toEqual({ ok: false, field: 'ncco', message: 'must be an array' });
  });

  it('uses the root name it is given', () => {
    expect(validateNcco([{ action: 'talk' }], 'body.ncco')).toMatchObject({ field: 'body.ncco[0].text' });
  });
});
