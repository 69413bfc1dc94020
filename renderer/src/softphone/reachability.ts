/**
 * Staying reachable, as pure logic the softphone runs: how long to wait before the next
 * attempt to rebuild the voice session, and whether audio still reaches the agent on a call.
 *
 * Nothing here reads a clock or a timer: the softphone passes `now` in (unit-tested in
 * `test/unit/renderer/reachability.test.ts`).
 */

/** Delay before retry number `attempt` (0-based): 1 s, 2 s, 4 s … capped at 30 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(30_000, 1_000 * 2 ** Math.max(0, Math.min(attempt, 15)));
}

/** How often the app tells the backend its voice session is up (the backend's lease is 15 s by default). */
export const VOICE_REPORT_MS = 5_000;

/** No packet received for this long: the call's audio has stopped; try to reconnect the media. */
export const MEDIA_STALL_MS = 4_000;
/** Still nothing this long after the reconnection was asked for: the call is lost; end it with a message. */
export const MEDIA_GIVE_UP_MS = 10_000;

/** Where the audio of the call on screen stands. */
export type MediaHealth =
  | { kind: 'flowing'; packets: number; lastChangeAt: number }
  /** Nothing received since `since`; the reconnection was asked for at `reconnectAt` (null: not yet). */
  | { kind: 'stalled'; packets: number; since: number; reconnectAt: number | null }
  /** Given up at `at`: the call is to be ended. */
  | { kind: 'lost'; packets: number; at: number };

/** A call's audio before its first sample. */
export function mediaStart(now: number): MediaHealth {
  return { kind: 'flowing', packets: -1, lastChangeAt: now };
}

/** What the softphone should do after a sample. */
export type MediaAction = 'none' | 'reconnect' | 'give-up' | 'recovered';

/**
 * Takes one sample of the packets received so far and says what to do: reconnect once the
 * audio has stopped for {@link MEDIA_STALL_MS}, give up {@link MEDIA_GIVE_UP_MS} after that,
 * and report recovery when packets arrive again.
 */
export function sampleMedia(health: MediaHealth, packetsReceived: number, now: number): { health: MediaHealth; action: MediaAction } {
  const moved = packetsReceived !== health.packets;
  switch (health.kind) {
    case 'flowing':
      if (moved) return { health: { kind: 'flowing', packets: packetsReceived, lastChangeAt: now }, action: 'none' };
      if (now - health.lastChangeAt < MEDIA_STALL_MS) return { health, action: 'none' };
      return { health: { kind: 'stalled', packets: packetsReceived, since: health.lastChangeAt, reconnectAt: now }, action: 'reconnect' };
    case 'stalled':
      if (moved) return { health: { kind: 'flowing', packets: packetsReceived, lastChangeAt: now }, action: 'recovered' };
      if (health.reconnectAt !== null && now - health.reconnectAt >= MEDIA_GIVE_UP_MS) return { health: { kind: 'lost', packets: packetsReceived, at: now }, action: 'give-up' };
      return { health, action: 'none' };
    case 'lost':
      return { health, action: 'none' };
  }
}
