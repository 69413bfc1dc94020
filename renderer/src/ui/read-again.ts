/**
 * Reading the backend again while a view is open, so what it shows stays current.
 *
 * - After a call ends. The app knows at once that a call ended (the SDK tells it); the
 *   backend's record of the call follows the platform's event webhooks, a moment later (longer
 *   when a webhook is retried). So what shows the record (the missed-call badge, the open
 *   Recent calls list) reads it again a few times after each call's end, at fixed delays from
 *   that end: a view opened half a second after the call reads at once, and again when the
 *   record should be there.
 * - When the agent comes back to the window (hidden, minimised, in the tray, another tab).
 * - Every so often while it is shown, for what arrives with no call of the agent's (a
 *   voicemail left for the queue, a colleague marking one handled).
 */
import { useEffect, useMemo, useRef, useState } from 'react';

/** Delays after a call's end at which its record is read again. */
export const AFTER_CALL_READS_MS = [1_500, 5_000, 15_000] as const;

/**
 * When the last call ended (ms since the epoch), or null before any did: changes when an id
 * not seen before appears among `endedIds` (a card dismissed, which drops an id, changes nothing).
 */
export function useLastCallEnd(endedIds: readonly string[]): number | null {
  const seen = useRef(new Set<string>());
  const [endedAt, setEndedAt] = useState<number | null>(null);
  const key = endedIds.join();
  useEffect(() => {
    let fresh = false;
    for (const id of key === '' ? [] : key.split(',')) {
      if (seen.current.has(id)) continue;
      seen.current.add(id);
      fresh = true;
    }
    if (fresh) setEndedAt(Date.now());
  }, [key]);
  return endedAt;
}

/**
 * Calls `read` at each of {@link AFTER_CALL_READS_MS} after `endedAt` that is still ahead (so
 * a view mounted after the call ended reads only at the delays left); nothing while null.
 */
export function useReadAfterCallEnd(endedAt: number | null, read: () => void): void {
  useEffect(() => {
    if (endedAt === null) return;
    const elapsed = Date.now() - endedAt;
    const timers = AFTER_CALL_READS_MS.filter((ms) => ms > elapsed).map((ms) => setTimeout(read, ms - elapsed));
    return () => timers.forEach(clearTimeout);
  }, [endedAt, read]);
}

/**
 * Calls `read` when the page becomes visible again, and every `pollMs` while it is visible
 * (none when null): a hidden window reads nothing until the agent is back.
 */
export function useReadWhileShown(read: () => void, pollMs: number | null = null): void {
  useEffect(() => {
    const onVisibility = () => {
      if (document.visibilityState === 'visible') read();
    };
    document.addEventListener('visibilitychange', onVisibility);
    const timer = pollMs === null ? null : setInterval(() => document.visibilityState === 'visible' && read(), pollMs);
    return () => {
      document.removeEventListener('visibilitychange', onVisibility);
      if (timer !== null) clearInterval(timer);
    };
  }, [read, pollMs]);
}

/** What keeps a view's reads in order: see {@link useReadOrder}. */
export interface ReadOrder<T> {
  /**
   * Runs one read of the view: its answer, or undefined when something moved since it began (a
   * newer read began, or an edit was answered) and the answer must not be shown. A read overtaken
   * by an edit, with no read begun since, calls `again` (the read, in the background), so what it
   * was to bring still comes; one overtaken by a newer read leaves the answer to that read. A
   * failed read throws.
   */
  read<A>(fetch: () => Promise<A>, again: () => void): Promise<A | undefined>;
  /** An edit's answer was applied (notes saved, a message marked): reads begun before it are stale. */
  edited(): void;
  /** What the view shows now (null before its first answer), for callbacks that do not change with it. */
  shown(): T | null;
}

/**
 * Orders a view's reads and edits: a read's answer is shown only if no newer read began and no
 * edit was answered since it began, so an older answer never undoes a newer one or an edit made
 * meanwhile (the next read brings both). `shown`: what the view shows now.
 */
export function useReadOrder<T>(shown: T | null): ReadOrder<T> {
  const generation = useRef(0);
  /** The generation the last edit made (-1: none yet). */
  const lastEdit = useRef(-1);
  const current = useRef(shown);
  useEffect(() => {
    current.current = shown;
  }, [shown]);
  return useMemo(
    () => ({
      async read(fetch, again) {
        const ticket = ++generation.current;
        const answer = await fetch();
        if (ticket === generation.current) return answer;
        if (lastEdit.current === generation.current) again();
        return undefined;
      },
      edited: () => void (lastEdit.current = ++generation.current),
      shown: () => current.current,
    }),
    [],
  );
}
