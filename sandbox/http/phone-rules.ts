/**
 * Auto-answer rules of the simulated phones: what a phone does when the platform rings it
 * (`connect` to a phone, Voice API calls). Kept in memory for the sandbox's life.
 *
 * A number's own rule wins; the rule for `*` applies to every number without one. A phone
 * with no rule at all rings until the phone API answers or rejects it, or the ring timer
 * of the call runs out.
 */
import { z } from 'zod';
import { msisdn } from '../voice/call-control';
import type { PhoneLeg } from '../voice/legs';

/** The number whose rule applies to phones that have none of their own. */
export const ANY_NUMBER = '*';

/** What a phone does when it rings. `ignore` lets it ring (until the caller's timeout). */
export const phoneRuleBody = z
  .object({
    action: z.enum(['answer', 'reject', 'busy', 'ignore']),
    after_ms: z.number().int('must be a whole number of milliseconds').min(0).max(600_000).default(0),
  })
  .strict();

/** A rule as stored and shown. */
export type PhoneRule = z.infer<typeof phoneRuleBody>;

/** The rule book, applied by the engine's `onPhoneRinging`. */
export class PhoneRules {
  private readonly rules = new Map<string, PhoneRule>();

  /** The key a number's rule is stored under: its digits, or `*`. */
  static key(number: string): string {
    return number === ANY_NUMBER ? ANY_NUMBER : msisdn(number);
  }

  set(number: string, rule: PhoneRule): void {
    this.rules.set(PhoneRules.key(number), rule);
  }

  get(number: string): PhoneRule | undefined {
    return this.rules.get(PhoneRules.key(number));
  }

  delete(number: string): boolean {
    return this.rules.delete(PhoneRules.key(number));
  }

  /** Every rule, by number. */
  all(): Array<{ number: string } & PhoneRule> {
    return [...this.rules].map(([number, rule]) => ({ number, ...rule }));
  }

  /** The rule that decides for a phone number: its own, else the `*` rule. */
  ruleFor(number: string): PhoneRule | undefined {
    return this.rules.get(msisdn(number)) ?? this.rules.get(ANY_NUMBER);
  }

  /**
   * A phone rings: act on its rule after the rule's delay. The rule is read when ringing
   * starts, so changing it later does not affect a phone already ringing.
   */
  apply(leg: PhoneLeg): void {
    const rule = this.ruleFor(leg.to);
    if (!rule || rule.action === 'ignore') return;
    const outcome = rule.action === 'answer' ? 'answered' : rule.action === 'reject' ? 'rejected' : 'busy';
    const timer = setTimeout(() => leg.respond(outcome), rule.after_ms);
    // A phone that stops ringing first (caller gone, timeout, answered by the API) is left alone.
    void leg.pickUp.then(() => clearTimeout(timer));
    void leg.ended.then(() => clearTimeout(timer));
  }
}
