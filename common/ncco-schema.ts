/**
 * The one NCCO schema, in two modes built from the same action definitions:
 *
 * - **strict** ({@link nccoSchema}): what the backend accepts from an operator before it is
 *   saved (`server/flows/validate-ncco.ts`) and the console's NCCO editor checks as the
 *   operator types. Unknown fields are refused (a typo such as `"txt"` would otherwise be
 *   dropped silently), values must have their documented JSON types, and a few rules Vonage
 *   states in prose are checked up front (`dtmf` settings only with type dtmf, `channels > 1`
 *   only with `split`, `from` or `randomFromNumber`).
 * - **lenient** ({@link platformNccoSchema}, {@link parseNcco}): what the sandbox, as the
 *   platform, runs. Vonage's own published NCCOs write booleans and numbers as strings
 *   (`record` with `"beepStart": "true"`, `"endOnSilence": "3"`) and the platform runs them:
 *   wherever the documented type is a boolean, `"true"` and `"false"` are taken as that
 *   boolean, and wherever it is a number, a decimal numeral string is taken as that number
 *   (ranges still apply). Nothing else is coerced. Unknown fields are ignored, methods may be
 *   lower case, websocket's `contentType` (the `@vonage/voice` spelling) is taken for
 *   `content-type`, and the platform's own `wait` and `transfer` actions are accepted.
 *
 * Field types and ranges follow `@vonage/voice` and the Voice API's NCCO reference; every URL
 * must be absolute http(s).
 */
import { z } from 'zod';

/** Most actions one NCCO may hold; real flows use a handful. */
export const MAX_NCCO_ACTIONS = 50;
/** Most actions the platform runs from one NCCO. */
const MAX_PLATFORM_NCCO_ACTIONS = 100;

/** The audio formats a websocket endpoint can take (16-bit linear PCM). */
export const WEBSOCKET_CONTENT_TYPES = ['audio/l16;rate=8000', 'audio/l16;rate=16000', 'audio/l16;rate=24000'] as const;

/** An absolute http(s) URL, as webhooks and audio files must be. */
export const httpUrl = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .pipe(z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }));

type Mode = 'strict' | 'lenient';

/** What differs between the modes: how values are read and what an object does with unknown fields. */
function kit(mode: Mode) {
  const lenient = mode === 'lenient';
  return {
    lenient,
    /** A documented boolean (lenient: also "true" / "false"). */
    flag: (lenient ? z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean()) : z.boolean()) as z.ZodType<boolean>,
    /** A documented number (lenient: also a decimal numeral string such as "3" or "-0.5"). */
    numeral: (schema: z.ZodNumber): z.ZodType<number> =>
      lenient ? z.preprocess((v) => (typeof v === 'string' && /^-?[0-9]+(\.[0-9]+)?$/.test(v) ? Number(v) : v), schema) : schema,
    /** An object: strict refuses unknown fields, lenient ignores them (output types are the same). */
    object: <S extends z.ZodRawShape>(shape: S) => (lenient ? z.object(shape) : (z.strictObject(shape) as unknown as z.ZodObject<S>)),
    /** GET or POST (lenient: also lower case; read as upper case). */
    method: (lenient ? z.enum(['GET', 'POST', 'get', 'post']).transform((m) => m.toUpperCase() as 'GET' | 'POST') : z.enum(['GET', 'POST'])) as z.ZodType<'GET' | 'POST'>,
    /** Vonage's URL fields: arrays holding one URL (lenient: the first of several is used). */
    urlList: (lenient ? z.array(httpUrl).min(1, 'must hold at least one URL') : z.array(httpUrl).length(1, 'must hold exactly one URL')) as z.ZodType<string[]>,
  };
}

const level = z.number().min(-1, 'must be between -1 and 1').max(1, 'must be between -1 and 1');
const loop = z.number().int('must be a whole number').min(0, 'must be 0 or more').max(100, 'must be at most 100');
const languageCode = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language code such as en-US');
/** E.164 digits, with or without the plus (Vonage writes them without). */
const e164 = z.string().regex(/^\+?[1-9][0-9]{6,14}$/, 'must be a phone number in E.164 form, like 14155550100');
const name = (max: number) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .regex(/^[^\u0000-\u001f\u007f]+$/, 'must not hold control characters');
const between = (min: number, max: number, int = true) => {
  const range = `must be between ${min} and ${max}`;
  return (int ? z.number().int('must be a whole number') : z.number()).min(min, range).max(max, range);
};

/** Every action of one mode. */
function actions(mode: Mode) {
  const { lenient, flag, numeral, object, method, urlList } = kit(mode);

  const talk = object({
    action: z.literal('talk'),
    text: z.string().trim().min(1, 'must not be empty').max(1500, 'must be at most 1500 characters'),
    bargeIn: flag.optional(),
    loop: numeral(loop).optional(),
    level: numeral(level).optional(),
    language: languageCode.optional(),
    style: numeral(between(0, 100)).optional(),
    premium: flag.optional(),
  });

  const stream = object({
    action: z.literal('stream'),
    streamUrl: urlList,
    level: numeral(level).optional(),
    bargeIn: flag.optional(),
    loop: numeral(loop).optional(),
  });

  const dtmfSettings = object({
    timeOut: numeral(between(0, 10, false)).optional(),
    maxDigits: numeral(between(1, 20)).optional(),
    submitOnHash: flag.optional(),
  });
  const speechSettings = object({
    uuid: z.array(name(128)).length(1, 'must hold exactly one leg uuid').optional(),
    endOnSilence: numeral(between(0.4, 10, false)).optional(),
    language: languageCode.optional(),
    context: z.array(z.string().max(100)).max(100).optional(),
    startTimeout: numeral(between(1, 60)).optional(),
    maxDuration: numeral(between(1, 60)).optional(),
    saveAudio: flag.optional(),
    sensitivity: numeral(between(0, 100)).optional(),
  });
  const input = object({
    action: z.literal('input'),
    type: z
      .array(z.enum(['dtmf', 'speech']))
      .min(1, 'must name dtmf, speech or both')
      .refine((types) => new Set(types).size === types.length, 'must not repeat a type'),
    dtmf: dtmfSettings.optional(),
    speech: speechSettings.optional(),
    eventUrl: urlList.optional(),
    eventMethod: method.optional(),
    /** `asynchronous`: each key goes to the eventUrl as it arrives and the NCCO carries on. */
    mode: z.enum(['asynchronous', 'synchronous']).optional(),
  }).superRefine((action, ctx) => {
    if (!lenient && action.dtmf && !action.type.includes('dtmf')) ctx.addIssue({ code: 'custom', path: ['dtmf'], message: 'is only allowed when type includes "dtmf"' });
    if (!lenient && action.speech && !action.type.includes('speech')) ctx.addIssue({ code: 'custom', path: ['speech'], message: 'is only allowed when type includes "speech"' });
    // Vonage: asynchronous input is for DTMF only and takes no dtmf settings.
    if (action.mode !== 'asynchronous') return;
    if (action.type.includes('speech')) ctx.addIssue({ code: 'custom', path: ['type'], message: 'asynchronous input takes only dtmf' });
    if (action.dtmf) ctx.addIssue({ code: 'custom', path: ['dtmf'], message: 'must be left out in asynchronous mode' });
  });

  const phoneEndpoint = object({
    type: z.literal('phone'),
    number: e164,
    dtmfAnswer: z.string().regex(/^[0-9*#p]{1,64}$/, 'may hold 0-9, *, # and p (pause) only').optional(),
    onAnswer: object({ url: httpUrl, ringbackTone: httpUrl.optional() }).optional(),
  });
  const appEndpoint = object({ type: z.literal('app'), user: name(255) });
  const sipEndpoint = object({
    type: z.literal('sip'),
    uri: z.string().max(2048).regex(/^sips?:[^\s]+$/, 'must be a sip: or sips: URI'),
    headers: z.record(z.string().max(256), z.string().max(1024)).optional(),
    standardHeaders: object({ 'User-to-User': z.string().max(256) }).optional(),
  });
  const contentType = z.enum(WEBSOCKET_CONTENT_TYPES);
  const websocketEndpoint = object({
    type: z.literal('websocket'),
    uri: z.string().max(2048).pipe(z.url({ protocol: /^wss?$/, error: 'must be an absolute ws(s) URL' })),
    // Strict: required, as Vonage documents; lenient: 8 kHz when left out, or given as `contentType`.
    'content-type': lenient ? contentType.optional() : contentType,
    contentType: (lenient ? contentType.optional() : z.never({ error: 'is not a field: use content-type' }).optional()) as z.ZodOptional<typeof contentType>,
    headers: z.record(z.string().max(256), z.unknown()).optional(),
  }).transform(({ contentType: alias, ...rest }) => ({ ...rest, 'content-type': rest['content-type'] ?? alias ?? ('audio/l16;rate=8000' as const) }));
  const vbcEndpoint = object({ type: z.literal('vbc'), extension: z.string().regex(/^[0-9]{1,10}$/, 'must be 1 to 10 digits') });
  const endpoint = z.discriminatedUnion('type', [phoneEndpoint, appEndpoint, sipEndpoint, websocketEndpoint, vbcEndpoint]);

  const connect = object({
    action: z.literal('connect'),
    endpoint: z.array(endpoint).length(1, 'must hold exactly one endpoint'),
    from: e164.optional(),
    randomFromNumber: flag.optional(),
    eventType: z.literal('synchronous').optional(),
    timeout: numeral(between(1, 7200)).optional(),
    limit: numeral(between(1, 7200)).optional(),
    machineDetection: z.enum(['continue', 'hangup']).optional(),
    eventUrl: urlList.optional(),
    eventMethod: method.optional(),
    ringbackTone: httpUrl.optional(),
  }).superRefine((action, ctx) => {
    if (!lenient && action.from !== undefined && action.randomFromNumber === true) {
      ctx.addIssue({ code: 'custom', path: ['randomFromNumber'], message: 'cannot be used together with from' });
    }
  });

  const conversation = object({
    action: z.literal('conversation'),
    name: name(200),
    musicOnHoldUrl: urlList.optional(),
    startOnEnter: flag.optional(),
    endOnExit: flag.optional(),
    record: flag.optional(),
    canSpeak: z.array(name(128)).max(100).optional(),
    canHear: z.array(name(128)).max(100).optional(),
    mute: flag.optional(),
    /** Where a `record: true` conversation's recording is reported. */
    eventUrl: urlList.optional(),
    eventMethod: method.optional(),
  });

  const record = object({
    action: z.literal('record'),
    format: z.enum(['mp3', 'wav', 'ogg']).optional(),
    split: z.literal('conversation').optional(),
    channels: numeral(between(1, 32)).optional(),
    endOnSilence: numeral(between(3, 10, false)).optional(),
    endOnKey: z.string().regex(/^[0-9*#]$/, 'must be one key: 0-9, * or #').optional(),
    timeOut: numeral(between(3, 7200)).optional(),
    beepStart: flag.optional(),
    eventUrl: urlList.optional(),
    eventMethod: method.optional(),
  }).superRefine((action, ctx) => {
    if (!lenient && (action.channels ?? 1) > 1 && action.split !== 'conversation') {
      ctx.addIssue({ code: 'custom', path: ['split'], message: 'must be "conversation" when channels is more than 1' });
    }
  });

  const notify = object({
    action: z.literal('notify'),
    payload: z.record(z.string().max(256), z.unknown()),
    eventUrl: urlList,
    eventMethod: method.optional(),
  });

  return { talk, stream, input, connect, conversation, record, notify, websocketEndpoint };
}

const strict = actions('strict');
const lenient = actions('lenient');
const lenientKit = kit('lenient');

/** The platform's own actions (not for operators' NCCOs): pause, and join a conversation by id. */
const wait = lenientKit.object({ action: z.literal('wait'), timeout: lenientKit.numeral(between(0.1, 7200, false)).optional() });
const transfer = lenientKit.object({
  action: z.literal('transfer'),
  conversation_id: z.string().min(1),
  canHear: z.array(z.string()).optional(),
  canSpeak: z.array(z.string()).optional(),
  mute: lenientKit.flag.optional(),
});

/** Strict: a whole NCCO as the backend accepts it, 1 to {@link MAX_NCCO_ACTIONS} actions. */
export const nccoSchema = z
  .array(z.discriminatedUnion('action', [strict.talk, strict.stream, strict.input, strict.connect, strict.conversation, strict.record, strict.notify]))
  .min(1, 'must hold at least one action')
  .max(MAX_NCCO_ACTIONS, `must hold at most ${MAX_NCCO_ACTIONS} actions`);

/** Lenient: one action as the platform runs it. */
export const platformNccoAction = z.discriminatedUnion('action', [
  lenient.talk,
  lenient.stream,
  lenient.input,
  lenient.connect,
  lenient.conversation,
  lenient.record,
  lenient.notify,
  wait,
  transfer,
]);
/** Lenient: a whole NCCO as the platform runs it. */
export const platformNccoSchema = z.array(platformNccoAction).min(1, 'must hold at least one action').max(MAX_PLATFORM_NCCO_ACTIONS);

export type NccoAction = z.output<typeof platformNccoAction>;
export type TalkAction = z.output<typeof lenient.talk>;
export type StreamAction = z.output<typeof lenient.stream>;
export type InputAction = z.output<typeof lenient.input>;
export type ConnectAction = z.output<typeof lenient.connect>;
export type ConversationAction = z.output<typeof lenient.conversation>;
export type RecordAction = z.output<typeof lenient.record>;
export type NotifyAction = z.output<typeof lenient.notify>;
export type WaitAction = z.output<typeof wait>;
export type TransferAction = z.output<typeof transfer>;
export type WebSocketTarget = z.output<typeof lenient.websocketEndpoint>;

/** An NCCO checked: the actions to run (lenient values coerced), or the first problem with its path. */
export type ParsedNcco = { ok: true; ncco: NccoAction[] } | { ok: false; problem: string };

/** Checks an NCCO as the platform does and gives what to run: always run the result, never the raw value. */
export function parseNcco(ncco: unknown): ParsedNcco {
  const result = platformNccoSchema.safeParse(ncco);
  if (result.success) return { ok: true, ncco: result.data };
  const issue = result.error.issues[0]!;
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  return { ok: false, problem: `${path || '(root)'}: ${issue.message}` };
}

/** Checks an NCCO as the platform does; null when valid, else the first problem with its path. */
export function nccoProblem(ncco: unknown): string | null {
  const parsed = parseNcco(ncco);
  return parsed.ok ? null : parsed.problem;
}
