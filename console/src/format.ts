/** Seconds as m:ss, or h:mm:ss from an hour. */
export function duration(totalS: number): string {
  const s = Math.max(0, Math.floor(totalS));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Seconds since an ISO time, by a clock corrected for its offset to the server's. */
export function since(iso: string, nowMs: number): number {
  return (nowMs - Date.parse(iso)) / 1000;
}

/** A phone number for people: +digits. */
export function phone(value: string | null): string {
  if (!value) return '—';
  return /^\d+$/.test(value) ? `+${value}` : value;
}

/** A time of day, local. */
export function clock(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
