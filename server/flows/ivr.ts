/**
 * The IVR flow (seed 000, §3.3): a menu of keys.
 *
 * The caller hears the greeting and the menu; an `input` action collects one key and posts
 * it to `/webhooks/dtmf`, whose answer continues the call: the chosen target (1 → Jane,
 * 2 → Joe by default). A wrong key or none repeats the menu once; after a second miss the
 * call goes to the fallback (the operator, a queue, voicemail).
 */
import type { IvrSettings } from '../numbers/schema';
import type { RouteTarget } from './targets';
import type { Ncco } from './ncco';

/** Menu attempts before the fallback. */
export const IVR_ATTEMPTS = 2;

/**
 * The menu NCCO for an attempt (1 or 2).
 *
 * The first attempt starts with the greeting, exactly as the seed's JSON does; the repeat
 * starts with the retry message instead.
 */
export function ivrMenuNcco(settings: IvrSettings, dtmfUrl: string, attempt: number): Ncco {
  return [
    { action: 'talk', text: attempt <= 1 ? settings.greeting : settings.retry_message },
    { action: 'talk', text: settings.prompt, bargeIn: true },
    { action: 'input', type: ['dtmf'], dtmf: { maxDigits: 1, timeOut: settings.input_timeout_s }, eventUrl: [dtmfUrl] },
  ];
}

/** What a menu answer leads to. */
export type IvrChoice = { kind: 'option'; digit: string; target: RouteTarget } | { kind: 'repeat'; attempt: number } | { kind: 'fallback'; target: RouteTarget };

/**
 * Decide what the keys pressed at `attempt` lead to.
 *
 * The first key counts; no key, a timeout or a key with no option repeats the menu until
 * {@link IVR_ATTEMPTS} is used up, then the fallback.
 */
export function ivrChoice(settings: IvrSettings, digits: string | undefined, attempt: number): IvrChoice {
  const key = digits?.trim().charAt(0) ?? '';
  const option = key ? settings.options.find((o) => o.digit === key) : undefined;
  if (option) return { kind: 'option', digit: option.digit, target: option.target };
  if (attempt < IVR_ATTEMPTS) return { kind: 'repeat', attempt: attempt + 1 };
  return { kind: 'fallback', target: settings.fallback };
}

/** What is said before an agent chosen in the menu is rung (the seed's words). */
export function ivrConnectGreeting(agent: string): string {
  return `Please wait while we connect you to ${agent}`;
}
