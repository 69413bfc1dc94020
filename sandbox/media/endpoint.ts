/**
 * What the call engine connects: anything that takes and gives 20 ms µ-law frames.
 */

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
