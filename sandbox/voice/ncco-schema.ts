/**
 * What an NCCO may contain, as the sandbox accepts it: every action Vonage documents, with
 * the field types and ranges of `@vonage/voice` and the Voice API reference. An NCCO that
 * fails is reported with the path of the first problem (`[2].endpoint[0].user: ...`).
 *
 * With the leniency Vonage shows: its own published NCCOs write booleans and numbers as
 * strings (`record` with `"beepStart": "true"`, `"endOnSilence": "3"`), and the platform
 * runs them. So wherever the documented type is a boolean, `"true"` and `"false"` are taken
 * as that boolean, and wherever it is a number, a decimal numeral string is taken as that
 * number; then the usual rules apply (`"1"` is still below `endOnSilence`'s minimum of 3).
 * Nothing else is coerced: `"yes"`, `""`, `" 3"`, `"0x10"` and strings in any other field
 * are refused as before. {@link parseNcco} gives the NCCO to run, values coerced.
 */
import { z } from 'zod';
import { WEBSOCKET_CONTENT_TYPES } from '../media/websocket-endpoint';

const url = z.string().regex(/^https?:\/\/\S+$/i, 'must be an http(s) URL');
const urls = z.array(url).min(1, 'must hold at least one URL');
const method = z.enum(['GET', 'POST', 'get', 'post']);

/** A documented boolean: also the strings "true" and "false". */
const flag = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
/** A documented number: also a decimal numeral string ("3", "-0.5", "2.5"). */
const numeral = <T extends z.ZodNumber>(schema: T) => z.preprocess((v) => (typeof v === 'string' && /^-?[0-9]+(\.[0-9]+)?$/.test(v) ? Number(v) : v), schema);

const level = numeral(z.number().min(-1).max(1));

const talk = z.object({
  action: z.literal('talk'),
  text: z.string().min(1).max(1500),
  bargeIn: flag.optional(),
  loop: numeral(z.number().int().min(0).max(100)).optional(),
  level: level.optional(),
  language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language code such as en-US').optional(),
  style: numeral(z.number().int().min(0)).optional(),
  premium: flag.optional(),
});

const stream = z.object({
  action: z.literal('stream'),
  streamUrl: urls,
  level: level.optional(),
  bargeIn: flag.optional(),
  loop: numeral(z.number().int().min(0).max(100)).optional(),
});

const input = z.object({
  action: z.literal('input'),
  type: z.array(z.enum(['dtmf', 'speech'])).min(1),
  /** `asynchronous`: each key goes to the eventUrl as it arrives and the NCCO carries on (dtmf only, no dtmf settings). */
  mode: z.enum(['synchronous', 'asynchronous']).optional(),
  dtmf: z
    .object({
      timeOut: numeral(z.number().min(0).max(10)).optional(),
      maxDigits: numeral(z.number().int().min(1).max(20)).optional(),
      submitOnHash: flag.optional(),
    })
    .optional(),
  speech: z.record(z.string(), z.unknown()).optional(),
  eventUrl: urls.optional(),
  eventMethod: method.optional(),
});

const phoneEndpoint = z.object({
  type: z.literal('phone'),
  number: z.string().regex(/^\+?[1-9][0-9]{6,14}$/, 'must be an E.164 number'),
  dtmfAnswer: z.string().regex(/^[0-9*#p]+$/).optional(),
  onAnswer: z.object({ url, ringbackTone: url.optional() }).optional(),
});
/**
 * Vonage names the audio format `content-type`; `@vonage/voice`'s type calls it `contentType`,
 * so either is taken. Headers are metadata the first message carries.
 */
const websocketEndpoint = z
  .object({
    type: z.literal('websocket'),
    uri: z.string().regex(/^wss?:\/\/\S+$/i, 'must be a ws:// or wss:// URL'),
    'content-type': z.enum(WEBSOCKET_CONTENT_TYPES).optional(),
    contentType: z.enum(WEBSOCKET_CONTENT_TYPES).optional(),
    headers: z.record(z.string(), z.unknown()).optional(),
  })
  .transform(({ contentType, ...rest }) => ({ ...rest, 'content-type': rest['content-type'] ?? contentType ?? ('audio/l16;rate=8000' as const) }));
const endpoint = z.discriminatedUnion('type', [
  phoneEndpoint,
  z.object({ type: z.literal('app'), user: z.string().min(1).max(200) }),
  z.object({ type: z.literal('sip'), uri: z.string().min(1) }).loose(),
  websocketEndpoint,
  z.object({ type: z.literal('vbc'), extension: z.string().min(1) }).loose(),
]);

const connect = z.object({
  action: z.literal('connect'),
  endpoint: z.array(endpoint).length(1, 'must hold exactly one endpoint'),
  from: z.string().regex(/^\+?[0-9]{3,15}$/, 'must be a phone number').optional(),
  randomFromNumber: flag.optional(),
  eventType: z.literal('synchronous').optional(),
  timeout: numeral(z.number().int().min(3).max(7200)).optional(),
  limit: numeral(z.number().int().min(1).max(7200)).optional(),
  machineDetection: z.enum(['continue', 'hangup']).optional(),
  eventUrl: urls.optional(),
  eventMethod: method.optional(),
  ringbackTone: url.optional(),
});

const conversation = z.object({
  action: z.literal('conversation'),
  name: z.string().min(1).max(200),
  musicOnHoldUrl: urls.optional(),
  startOnEnter: flag.optional(),
  endOnExit: flag.optional(),
  record: flag.optional(),
  canSpeak: z.array(z.string().min(1)).optional(),
  canHear: z.array(z.string().min(1)).optional(),
  mute: flag.optional(),
  eventUrl: urls.optional(),
  eventMethod: method.optional(),
});

const record = z.object({
  action: z.literal('record'),
  format: z.enum(['mp3', 'wav', 'ogg']).optional(),
  split: z.literal('conversation').optional(),
  channels: numeral(z.number().int().min(1).max(32)).optional(),
  endOnSilence: numeral(z.number().min(3).max(10)).optional(),
  endOnKey: z.string().regex(/^[0-9*#]$/, 'must be one key: 0-9, * or #').optional(),
  timeOut: numeral(z.number().int().min(3).max(7200)).optional(),
  beepStart: flag.optional(),
  eventUrl: urls.optional(),
  eventMethod: method.optional(),
});

const notify = z.object({
  action: z.literal('notify'),
  payload: z.record(z.string(), z.unknown()),
  eventUrl: urls,
  eventMethod: method.optional(),
});

const wait = z.object({ action: z.literal('wait'), timeout: numeral(z.number().min(0.1).max(7200)).optional() });

const transfer = z.object({
  action: z.literal('transfer'),
  conversation_id: z.string().min(1),
  canHear: z.array(z.string()).optional(),
  canSpeak: z.array(z.string()).optional(),
  mute: flag.optional(),
});

/** Vonage: asynchronous input is for DTMF only and takes no dtmf settings. */
function asyncInputRule<T extends typeof input>(schema: T) {
  return schema.superRefine((value, context) => {
    if (value.mode !== 'asynchronous') return;
    if (value.type.includes('speech')) context.addIssue({ code: 'custom', path: ['type'], message: 'asynchronous input takes only dtmf' });
    if (value.dtmf) context.addIssue({ code: 'custom', path: ['dtmf'], message: 'must be left out in asynchronous mode' });
  });
}

/** One NCCO action. */
export const nccoAction = z.discriminatedUnion('action', [talk, stream, asyncInputRule(input), connect, conversation, record, notify, wait, transfer]);
export type NccoAction = z.infer<typeof nccoAction>;
export type TalkAction = z.infer<typeof talk>;
export type StreamAction = z.infer<typeof stream>;
export type InputAction = z.infer<typeof input>;
export type ConnectAction = z.infer<typeof connect>;
export type ConversationAction = z.infer<typeof conversation>;
export type RecordAction = z.infer<typeof record>;
export type NotifyAction = z.infer<typeof notify>;
export type WaitAction = z.infer<typeof wait>;
export type TransferAction = z.infer<typeof transfer>;
export type WebSocketTarget = z.infer<typeof websocketEndpoint>;

/** An NCCO: a non-empty list of actions. */
export const nccoSchema = z.array(nccoAction).min(1, 'must hold at least one action').max(100);

/** An NCCO checked: the actions to run (lenient values coerced), or the first problem with its path. */
export type ParsedNcco = { ok: true; ncco: NccoAction[] } | { ok: false; problem: string };

/** Checks an NCCO and gives what to run: always run the result, never the raw value. */
export function parseNcco(ncco: unknown): ParsedNcco {
  const result = nccoSchema.safeParse(ncco);
  if (result.success) return { ok: true, ncco: result.data };
  const issue = result.error.issues[0]!;
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  return { ok: false, problem: `${path || '(root)'}: ${issue.message}` };
}

/** Checks an NCCO; returns null when valid, else the first problem with its path. */
export function nccoProblem(ncco: unknown): string | null {
  const parsed = parseNcco(ncco);
  return parsed.ok ? null : parsed.problem;
}
