/**
 * The Outbound Call flow (seed 000, §3.2): an agent dials a phone number from the app.
 *
 * The app calls `serverCall({ to })`; the platform asks the answer_url with `from_user` and
 * `to`; the backend answers "Please wait while we connect you." and connects the phone,
 * shown as calling from the contact center's number, ringing for 20 s. A number that is not
 * a valid E.164 number gets a spoken explanation instead of a failed webhook.
 */
import { checkPhoneNumber } from '../../common/phone-number';
import type { AnswerContext, Ncco } from './ncco';

/** Seconds the dialled phone rings (the seed's value). */
export const OUTBOUND_TIMEOUT_S = 20;

/** Said when outbound calling has no caller id to use. */
export const NO_CALLER_ID = 'Sorry, outbound calling is not set up for this contact center yet. Goodbye.';

/**
 * The number the agent dialled: `to`, or `custom_data.to` when only the context object
 * carried it.
 */
export function dialledNumber(context: AnswerContext): string | undefined {
  if (context.to !== undefined && context.to !== '') return context.to;
  const fromContext = context.custom_data?.to;
  return typeof fromContext === 'string' ? fromContext : undefined;
}

/**
 * Build the Outbound Call NCCO for the number the agent dialled.
 *
 * `contactNumber` is the `from` (a number of the account, as Vonage requires for PSTN).
 */
export function outboundCallNcco(to: string | undefined, contactNumber: string | null): Ncco {
  if (!contactNumber) return [{ action: 'talk', text: NO_CALLER_ID }];
  const checked = checkPhoneNumber(to ?? '');
  if (!checked.ok) {
    const said = to ? `, ${spellDigits(to)},` : '';
    return [{ action: 'talk', text: `Sorry, the number you dialled${said} is not a valid phone number. Please check the number and try again.` }];
  }
  return [
    { action: 'talk', text: 'Please wait while we connect you.' },
    { action: 'connect', timeout: OUTBOUND_TIMEOUT_S, from: contactNumber, endpoint: [{ type: 'phone', number: checked.digits }] },
  ];
}

/** Digits spaced out so text-to-speech reads them one by one; anything else is left out. */
function spellDigits(text: string): string {
  return text.replace(/[^0-9]/g, '').slice(0, 20).split('').join(' ') || 'that';
}
