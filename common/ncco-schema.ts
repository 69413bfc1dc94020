/**
 * The schema of a custom NCCO (seed 000 §3.4), shared by the backend (which validates an
 * operator's NCCO before it is saved, `server/flows/validate-ncco.ts`) and the console's NCCO
 * editor (which validates as the operator types), so both say the same thing about the same
 * field.
 *
 * The structure is a non-empty array of actions; each action's fields and their ranges are
 * as Vonage's NCCO reference gives them, and every URL (webhooks, audio) must be absolute
 * http(s). Unknown fields are refused too: a typo such as `"txt"` would otherwise be dropped
 * silently.
 */
import { z } from 'zod';

/** Most actions one NCCO may hold; real flows use a handful. */
export const MAX_NCCO_ACTIONS = 50;

/** An absolute http(s) URL, as webhooks and audio files must be. */
export const httpUrl = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .pipe(z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }));

/** Vonage's URL fields are arrays holding exactly one URL. */
const urlList = z.array(httpUrl).length(1, 'must hold exactly one URL');
const method = z.enum(['GET', 'POST']);
const level = z.number().min(-1, 'must be between -1 and 1').max(1, 'must be between -1 and 1');
const loop = z.number().int('must be a whole number').min(0, 'must be 0 or more').max(100, 'must be at most 100');
/** E.164 digits, with or without the plus (Vonage writes them without). */
const e164 = z.string().regex(/^\+?[1-9][0-9]{6,14}$/, 'must be a phone number in E.164 form, like 14155550100');
const name = (max: number) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .regex(/^[^\u0000-\u001f\u007f]+$/, 'must not hold control characters');
const headers = z.record(z.string().max(256), z.string().max(1024));

const talk = z.strictObject({
  action: z.literal('talk'),
  text: z.string().trim().min(1, 'must not be empty').max(1500, 'must be at most 1500 characters'),
  bargeIn: z.boolean().optional(),
  loop: loop.optional(),
  level: level.optional(),
  language: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language code such as en-US')
    .optional(),
  style: z.number().int('must be a whole number').min(0).max(100).optional(),
  premium: z.boolean().optional(),
});

const stream = z.strictObject({
  action: z.literal('stream'),
  streamUrl: urlList,
  level: level.optional(),
  bargeIn: z.boolean().optional(),
  loop: loop.optional(),
});

const dtmfSettings = z.strictObject({
  timeOut: z.number().min(0, 'must be between 0 and 10').max(10, 'must be between 0 and 10').optional(),
  maxDigits: z.number().int('must be a whole number').min(1, 'must be between 1 and 20').max(20, 'must be between 1 and 20').optional(),
  submitOnHash: z.boolean().optional(),
});

const speechSettings = z.strictObject({
  uuid: z.array(name(128)).length(1, 'must hold exactly one leg uuid').optional(),
  endOnSilence: z.number().min(0.4, 'must be between 0.4 and 10').max(10, 'must be between 0.4 and 10').optional(),
  language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language code such as en-US').optional(),
  context: z.array(z.string().max(100)).max(100).optional(),
  startTimeout: z.number().int('must be a whole number').min(1).max(60).optional(),
  maxDuration: z.number().int('must be a whole number').min(1).max(60).optional(),
  saveAudio: z.boolean().optional(),
  sensitivity: z.number().int('must be a whole number').min(0).max(100).optional(),
});

const input = z
  .strictObject({
    action: z.literal('input'),
    type: z
      .array(z.enum(['dtmf', 'speech']))
      .min(1, 'must name dtmf, speech or both')
      .refine((types) => new Set(types).size === types.length, 'must not repeat a type'),
    dtmf: dtmfSettings.optional(),
    speech: speechSettings.optional(),
    eventUrl: urlList.optional(),
    eventMethod: method.optional(),
    mode: z.enum(['asynchronous', 'synchronous']).optional(),
  })
  .superRefine((action, ctx) => {
    if (action.dtmf && !action.type.includes('dtmf')) ctx.addIssue({ code: 'custom', path: ['dtmf'], message: 'is only allowed when type includes "dtmf"' });
    if (action.speech && !action.type.includes('speech')) ctx.addIssue({ code: 'custom', path: ['speech'], message: 'is only allowed when type includes "speech"' });
  });

const phoneEndpoint = z.strictObject({
  type: z.literal('phone'),
  number: e164,
  dtmfAnswer: z.string().regex(/^[0-9*#p]{1,64}$/, 'may hold 0-9, *, # and p (pause) only').optional(),
  onAnswer: z.strictObject({ url: httpUrl, ringbackTone: httpUrl.optional() }).optional(),
});
const appEndpoint = z.strictObject({ type: z.literal('app'), user: name(255) });
const sipEndpoint = z.strictObject({
  type: z.literal('sip'),
  uri: z.string().max(2048).regex(/^sips?:[^\s]+$/, 'must be a sip: or sips: URI'),
  headers: headers.optional(),
  standardHeaders: z.strictObject({ 'User-to-User': z.string().max(256) }).optional(),
});
const websocketEndpoint = z.strictObject({
  type: z.literal('websocket'),
  uri: z.string().max(2048).pipe(z.url({ protocol: /^wss?$/, error: 'must be an absolute ws(s) URL' })),
  'content-type': z.enum(['audio/l16;rate=8000', 'audio/l16;rate=16000', 'audio/l16;rate=24000']),
  headers: z.record(z.string().max(256), z.unknown()).optional(),
});
const vbcEndpoint = z.strictObject({ type: z.literal('vbc'), extension: z.string().regex(/^[0-9]{1,10}$/, 'must be 1 to 10 digits') });
const endpoint = z.discriminatedUnion('type', [phoneEndpoint, appEndpoint, sipEndpoint, websocketEndpoint, vbcEndpoint]);

const connect = z
  .strictObject({
    action: z.literal('connect'),
    endpoint: z.array(endpoint).length(1, 'must hold exactly one endpoint'),
    from: e164.optional(),
    randomFromNumber: z.boolean().optional(),
    eventType: z.literal('synchronous').optional(),
    timeout: z.number().int('must be a whole number').min(1, 'must be between 1 and 600').max(600, 'must be between 1 and 600').optional(),
    limit: z.number().int('must be a whole number').min(1, 'must be between 1 and 7200').max(7200, 'must be between 1 and 7200').optional(),
    machineDetection: z.enum(['continue', 'hangup']).optional(),
    eventUrl: urlList.optional(),
    eventMethod: method.optional(),
    ringbackTone: httpUrl.optional(),
  })
  .superRefine((action, ctx) => {
    if (action.from !== undefined && action.randomFromNumber === true) {
      ctx.addIssue({ code: 'custom', path: ['randomFromNumber'], message: 'cannot be used together with from' });
    }
  });

const conversation = z.strictObject({
  action: z.literal('conversation'),
  name: name(100),
  musicOnHoldUrl: urlList.optional(),
  startOnEnter: z.boolean().optional(),
  endOnExit: z.boolean().optional(),
  record: z.boolean().optional(),
  canSpeak: z.array(name(128)).max(100).optional(),
  canHear: z.array(name(128)).max(100).optional(),
  mute: z.boolean().optional(),
});

const record = z
  .strictObject({
    action: z.literal('record'),
    format: z.enum(['mp3', 'wav', 'ogg']).optional(),
    split: z.literal('conversation').optional(),
    channels: z.number().int('must be a whole number').min(1, 'must be between 1 and 32').max(32, 'must be between 1 and 32').optional(),
    endOnSilence: z.number().int('must be a whole number').min(3, 'must be between 3 and 10').max(10, 'must be between 3 and 10').optional(),
    endOnKey: z.string().regex(/^[0-9*#]$/, 'must be one key: 0-9, * or #').optional(),
    timeOut: z.number().int('must be a whole number').min(3, 'must be between 3 and 7200').max(7200, 'must be between 3 and 7200').optional(),
    beepStart: z.boolean().optional(),
    eventUrl: urlList.optional(),
    eventMethod: method.optional(),
  })
  .superRefine((action, ctx) => {
    if ((action.channels ?? 1) > 1 && action.split !== 'conversation') {
      ctx.addIssue({ code: 'custom', path: ['split'], message: 'must be "conversation" when channels is more than 1' });
    }
  });

const notify = z.strictObject({
  action: z.literal('notify'),
  payload: z.record(z.string().max(256), z.unknown()),
  eventUrl: urlList,
  eventMethod: method.optional(),
});

const action = z.discriminatedUnion('action', [talk, stream, input, connect, conversation, record, notify]);

/** Schema of a whole NCCO: 1 to {@link MAX_NCCO_ACTIONS} valid actions. */
export const nccoSchema = z
  .array(action)
  .min(1, 'must hold at least one action')
  .max(MAX_NCCO_ACTIONS, `must hold at most ${MAX_NCCO_ACTIONS} actions`);

