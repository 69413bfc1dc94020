/**
 * Display helpers.
 */
import { formatPhoneNumber } from '../../../common/phone-number';

/** Formats a caller for display: an international phone number, or the name as given (`common/phone-number.ts`). */
export const formatCaller = formatPhoneNumber;

/** Formats elapsed seconds as m:ss or h:mm:ss. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
