/**
 * A number's call flow and its settings, as the operator configures them.
 *
 * One discriminated union on `flow` (inbound, ivr, custom, whisper, queue); defaults are
 * the seed guides' texts, so `{"flow":"ivr"}` alone gives seed 000's menu. The admin API
 * validates with it, and so does loading from the database, so a setting can never be half
 * understood.
 */
import { z } from 'zod';
import { agentName } from './backend-api';
import { nccoSchema } from './ncco-schema';
import { describeTarget, phoneDigits, queueName, routeTarget, spokenText, VOICEMAIL, type RouteTarget } from './route-targets';

/** The flows a number can use. */
export const FLOW_NAMES = ['inbound', 'ivr', 'custom', 'whisper', 'queue'] as const;
export type NumberFlowName = (typeof FLOW_NAMES)[number];

/** How long an agent's phone rings before the flow tries someone else, in seconds. */
const ringTimeout = z.number().int('must be a whole number').min(5, 'must be between 5 and 120').max(120, 'must be between 5 and 120');
/** How many agents a flow offers a call to before it takes its fallback. */
const maxAttempts = z.number().int('must be a whole number').min(1, 'must be between 1 and 10').max(10, 'must be between 1 and 10');
const label = z.string().trim().max(100, 'is at most 100 characters').optional();

/** Inbound (seed 000 §3.1): greet, ring the longest-idle available agent, then the next. */
const inboundSettings = z.strictObject({
  flow: z.literal('inbound'),
  label,
  /** Spoken first; `{agent}` becomes the agent's name. */
  greeting: spokenText.default('Thank you for calling {agent}'),
  /** Offered each call first while available (the seed's calls go to Jane); otherwise the longest-idle agent. */
  default_agent: agentName.nullable().default(null),
  ring_timeout_s: ringTimeout.default(20),
  max_attempts: maxAttempts.default(3),
  /** When no agent answers. */
  fallback: routeTarget.default(VOICEMAIL),
});

const ivrOption = z.strictObject({
  digit: z.string().regex(/^[0-9*#]$/, 'must be one key: 0-9, * or #'),
  target: routeTarget,
});

/** IVR (seed 000 §3.3): a menu of keys; a wrong or missing key repeats it once, then the fallback. */
const ivrSettings = z
  .strictObject({
    flow: z.literal('ivr'),
    label,
    greeting: spokenText.default('Thank you for calling my contact center.'),
    /** The menu; written from the options when left out ("To talk to Jane, please press 1, …"). */
    prompt: spokenText.optional(),
    options: z
      .array(ivrOption)
      .min(1, 'must hold at least one option')
      .max(12, 'must hold at most 12 options')
      .default([
        { digit: '1', target: { type: 'agent', agent: 'Jane' } },
        { digit: '2', target: { type: 'agent', agent: 'Joe' } },
      ]),
    /** Seconds to wait for a key. */
    input_timeout_s: z.number().int('must be a whole number').min(1, 'must be between 1 and 10').max(10, 'must be between 1 and 10').default(5),
    /** Said before the menu repeats. */
    retry_message: spokenText.default('Sorry, that is not one of the options.'),
    ring_timeout_s: ringTimeout.default(20),
    max_attempts: maxAttempts.default(3),
    /** After a second wrong or missing key, and when the chosen agent cannot answer: the operator or a queue. */
    fallback: routeTarget.default(VOICEMAIL),
  })
  .superRefine((settings, ctx) => {
    const seen = new Set<string>();
    settings.options.forEach((option, index) => {
      if (seen.has(option.digit)) ctx.addIssue({ code: 'custom', path: ['options', index, 'digit'], message: `repeats key ${option.digit}` });
      seen.add(option.digit);
    });
  })
  .transform((settings) => ({ ...settings, prompt: settings.prompt ?? menuPrompt(settings.options) }));

/** Custom NCCO (seed 000 §3.4): returned as saved. */
const customSettings = z.strictObject({ flow: z.literal('custom'), label, ncco: nccoSchema });

/** Whom a whisper call rings: a given agent, or an outside phone (seed 002 rings a call-center number). */
const whisperAgent = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('agent'), agent: agentName }),
  z.strictObject({ type: z.literal('phone'), number: phoneDigits }),
]);

/** Call whisper (seed 002): campaign number → topic, said privately to the agent before the caller joins. */
const whisperSettings = z.strictObject({
  flow: z.literal('whisper'),
  label,
  topic: z.string().trim().min(1, 'must not be empty').max(200, 'is at most 200 characters'),
  greeting: spokenText.default('Please wait while we connect you'),
  /** Left out: the longest-idle available agent, then the next. */
  agent: whisperAgent.nullable().default(null),
  ring_timeout_s: ringTimeout.default(20),
  max_attempts: maxAttempts.default(3),
  /** How long the caller may wait for an agent to become available, in seconds. */
  max_wait_s: z.number().int('must be a whole number').min(10, 'must be between 10 and 3600').max(3600, 'must be between 10 and 3600').default(120),
  fallback: routeTarget.default(VOICEMAIL),
});

/** Queue (seed 003): the caller waits in the named queue (see `./queue-settings.ts`). */
const queueSettings = z.strictObject({ flow: z.literal('queue'), label, queue: queueName });

/** Schema of a number's configuration (the body of `PUT /api/admin/numbers/:number`). */
export const numberSettings = z.discriminatedUnion('flow', [inboundSettings, ivrSettings, customSettings, whisperSettings, queueSettings]);

/** What the operator sends: defaults may be left out. */
export type NumberSettingsInput = z.input<typeof numberSettings>;
/** A validated configuration with every default filled in. */
export type NumberSettings = z.output<typeof numberSettings>;
export type InboundSettings = Extract<NumberSettings, { flow: 'inbound' }>;
export type IvrSettings = Extract<NumberSettings, { flow: 'ivr' }>;
export type CustomSettings = Extract<NumberSettings, { flow: 'custom' }>;
export type WhisperSettings = Extract<NumberSettings, { flow: 'whisper' }>;
export type QueueFlowSettings = Extract<NumberSettings, { flow: 'queue' }>;

/** A configured number: its E.164 digits and settings. */
export interface NumberConfig {
  number: string;
  settings: NumberSettings;
  updated_at: string;
}

/** The path parameter: a phone number, with or without `+`. */
export const numberParam = z.strictObject({ number: phoneDigits });

/**
 * The seed's menu sentence for a list of options.
 *
 * Seed 000's two options give exactly "To talk to Jane, please press 1, or, to talk to Joe, press 2."
 */
export function menuPrompt(options: ReadonlyArray<{ digit: string; target: RouteTarget }>): string {
  const key = (digit: string) => (digit === '*' ? 'star' : digit === '#' ? 'hash' : digit);
  const parts = options.map((option, index) =>
    index === 0 ? `To ${describeTarget(option.target)}, please press ${key(option.digit)}` : `or, to ${describeTarget(option.target)}, press ${key(option.digit)}`,
  );
  return `${parts.join(', ')}.`;
}
