/**
 * The one rule for phone numbers an agent dials or an operator configures: E.164, checked
 * with libphonenumber-js, so the app's dial pad and the backend's outbound flow agree.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

/** A checked phone number, or why it is not one. */
export type PhoneNumberCheck =
  | { ok: true; /** `+14155550100` */ e164: string; /** `14155550100`, as Vonage writes numbers */ digits: string }
  | { ok: false; message: string };

/** Characters people type around the digits of a number. */
const DECORATION = /[\s().-]/g;

/**
 * Check that `input` is a valid international (E.164) phone number.
 *
 * Spaces, dots, dashes and brackets are ignored; the number must carry its country code,
 * written with a leading `+` or as bare digits (the form Vonage uses in webhooks).
 */
export function checkPhoneNumber(input: string): PhoneNumberCheck {
  const compact = input.replace(DECORATION, '');
  if (compact === '') return { ok: false, message: 'Enter a phone number.' };
  if (!/^\+?[0-9]+$/.test(compact)) {
    return { ok: false, message: 'A phone number holds digits only, with an optional leading +.' };
  }
  const digits = compact.replace(/^\+/, '');
  if (digits.length < 7 || digits.length > 15 || digits.startsWith('0')) {
    return { ok: false, message: 'Use international format with the country code, e.g. +14155550100.' };
  }
  const parsed = parsePhoneNumberFromString(`+${digits}`);
  if (!parsed || !parsed.isValid()) {
    return { ok: false, message: `+${digits} is not a valid phone number. Use international format, e.g. +14155550100.` };
  }
  return { ok: true, e164: parsed.number, digits: parsed.number.slice(1) };
}

/**
 * A caller or number for display: a valid international number as `+1 415 555 0100`
 * (with or without its `+`, decorated or not), anything else (an app user's name) as given.
 */
export function formatPhoneNumber(from: string): string {
  const digits = from.replace(/[^0-9+]/g, '');
  if (/^\+?[0-9]{6,15}$/.test(digits)) {
    const parsed = parsePhoneNumberFromString(digits.startsWith('+') ? digits : `+${digits}`);
    if (parsed?.isValid()) return parsed.formatInternational();
  }
  return from;
}
