/**
 * What the call engine connects: anything that takes and gives 20 ms µ-law frames.
 */
import type { MediaClock } from './clock';

/** Packet counters every endpoint keeps. */
export interface MediaCounters {
  packets_sent: number;
  packets_received: number;
}

/** A party in a call's media: a simulated phone, a WebRTC client, a player. */
export interface MediaEndpoint {
  readonly id: string;
  /** Frames this endpoint produces (its microphone), delivered to the listener. */
  onFrame(listener: ((frame: Buffer) => void) | null): void;
  /**
   * A frame for this endpoint to play (its speaker). The buffer is the mixer's and is
   * reused next tick: use or copy it before returning, never keep it.
   */
  deliver(frame: Buffer): void;
  counters(): MediaCounters;
  close(): void;
}

/**
 * An endpoint that makes its frames on a media clock in this process (a simulated phone). A
 * mixer on the same clock reads its frame each tick (`pull`) rather than queueing what
 * `onFrame` hands it: nothing arrives early or late from it, so it needs no jitter queue.
 */
export interface ClockedEndpoint extends MediaEndpoint {
  /** The clock it makes its frames on. */
  readonly clock: MediaClock;
  /**
   * Its frame of the clock's current tick (made once a tick, counted as sent), or null once it
   * sends nothing (closed). The frame may be shared: read it or copy it, never write to it.
   */
  pull(): Buffer | null;
}

/** Whether a mixer on `clock` can read `endpoint`'s frames with `pull`. */
export function pullsOn(endpoint: MediaEndpoint, clock: MediaClock): endpoint is ClockedEndpoint {
  const clocked = endpoint as Partial<ClockedEndpoint>;
  return clocked.clock === clock && typeof clocked.pull === 'function';
}
