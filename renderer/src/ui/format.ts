/**
 * Display helpers.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';

/** Formats a caller for display: an international phone number, or the name as given. */
export function formatCaller(from: string): string {
  const digits = from.replace(/[^0-9+]/g, '');
  if (/^\+?[0-9]{6,15}$/.test(digits)) {
    const parsed = parsePhoneNumberFromString(digits.startsWith('+') ? digits : `+${digits}`);
    if (parsed?.isValid()) return parsed.formatInternational();
  }
  return from;
}

/** Formats elapsed seconds as m:ss or h:mm:ss. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
