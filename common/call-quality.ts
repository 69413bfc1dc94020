/**
 * Call quality from WebRTC statistics: packet loss, jitter and round-trip time, an estimated
 * MOS (the ITU-T G.107 E-model, simplified for G.711 as the platform negotiates it), and the
 * good / fair / poor label the agent reads.
 *
 * Pure: the renderer feeds cumulative counters read from `RTCPeerConnection.getStats()`
 * once a second; loss is computed over a sliding window of those readings, so an old burst
 * does not colour the whole call and one lost packet does not flash "poor". The call's
 * summary (stored with the call record at hang-up) is built from the same readings.
 */
import { z } from 'zod';

/** Cumulative counters of the call's received audio at one instant (getStats). */
export interface StatsReading {
  /** Milliseconds, any monotonic clock. */
  at: number;
  /** `inbound-rtp` packetsReceived / packetsLost (cumulative). */
  packetsReceived: number;
  packetsLost: number;
  /** `inbound-rtp` jitter, seconds (the receiver's current estimate). */
  jitterS: number | null;
  /** Round-trip time, seconds (`remote-inbound-rtp` or the selected candidate pair); null when unknown. */
  rttS: number | null;
}

export type QualityLabel = 'good' | 'fair' | 'poor';

/** What the agent sees, live. */
export interface QualityReading {
  label: QualityLabel;
  mos: number;
  /** Packets lost over the window, percent. */
  lossPct: number;
  jitterMs: number;
  rttMs: number | null;
}

/** MOS at or above this is good (E-model R ≥ 80: "satisfied"). */
export const GOOD_MOS = 4.0;
/** MOS at or above this is fair (R ≥ 70: "some users dissatisfied"); below is poor. */
export const FAIR_MOS = 3.6;
/** Loss is measured over this much of the most recent readings. */
export const LOSS_WINDOW_MS = 5000;

/** G.711 with packet-loss concealment (ITU-T G.113 Appendix I): Ie = 0, Bpl = 25.1. */
const G711_IE = 0;
const G711_BPL = 25.1;
/** Basic signal-to-noise ratio R0 less the simultaneous impairment, G.107's defaults. */
const R_DEFAULT = 93.2;
/** Codec framing, look-ahead and playout beyond the jitter buffer, ms (20 ms frames). */
const FIXED_DELAY_MS = 30;

/** The E-model's transmission rating R for a one-way delay (ms) and a random loss (percent). */
export function rFactor(oneWayDelayMs: number, lossPct: number): number {
  const d = Math.max(0, oneWayDelayMs);
  // Delay impairment Id (Cole & Rosenbluth's fit of G.107): mild to 177 ms, steep after.
  const id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
  const ppl = Math.min(100, Math.max(0, lossPct));
  const ieEff = G711_IE + (95 - G711_IE) * (ppl / (ppl + G711_BPL));
  return R_DEFAULT - id - ieEff;
}

/** G.107's mapping of R to a mean opinion score, 1 to 4.5. */
export function mosFromR(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r);
}

/** Estimated MOS of a G.711 call: one-way delay is half the round trip, plus the jitter buffer (twice the jitter) and framing. */
export function estimateMos(lossPct: number, jitterMs: number, rttMs: number | null): number {
  const oneWay = (rttMs ?? 0) / 2 + 2 * Math.max(0, jitterMs) + FIXED_DELAY_MS;
  return round(mosFromR(rFactor(oneWay, lossPct)), 2);
}

/** The label of a MOS. */
export function labelOf(mos: number): QualityLabel {
  if (mos >= GOOD_MOS) return 'good';
  if (mos >= FAIR_MOS) return 'fair';
  return 'poor';
}

/** Loss between two cumulative readings, percent (0 when nothing was expected). */
export function lossBetween(from: Pick<StatsReading, 'packetsReceived' | 'packetsLost'>, to: Pick<StatsReading, 'packetsReceived' | 'packetsLost'>): number {
  const received = Math.max(0, to.packetsReceived - from.packetsReceived);
  // packetsLost can go down (duplicates, late packets): never below zero.
  const lost = Math.max(0, to.packetsLost - from.packetsLost);
  const expected = received + lost;
  return expected === 0 ? 0 : (100 * lost) / expected;
}

/** What is kept of a call's quality at hang-up (per leg, with the call's record). */
export const callQualitySummarySchema = z.strictObject({
  /** Mean and lowest of the per-second MOS estimates. */
  mos_avg: z.number().min(1).max(5),
  mos_min: z.number().min(1).max(5),
  /** Packets lost over the whole call, percent. */
  loss_pct: z.number().min(0).max(100),
  jitter_avg_ms: z.number().min(0).max(10_000),
  jitter_max_ms: z.number().min(0).max(10_000),
  /** Null when the round trip was never measured. */
  rtt_avg_ms: z.number().min(0).max(60_000).nullable(),
  label: z.enum(['good', 'fair', 'poor']),
  /** How many one-second readings it summarises. */
  samples: z.number().int().min(1).max(1_000_000),
  packets_received: z.number().int().min(0),
  packets_lost: z.number().int().min(0),
});
export type CallQualitySummary = z.infer<typeof callQualitySummarySchema>;

/** The backend route that stores a leg's quality (`PUT`, the summary as its body). */
export function callQualityPath(legUuid: string): string {
  return `/api/agent/calls/${encodeURIComponent(legUuid)}/quality`;
}

/** What became of a quality report (a failure is logged, never shown: the call is over). */
export type CallQualityOutcome = { ok: true } | { ok: false; message: string };

/** Follows one call's readings: the live reading and the summary at the end. */
export class QualityTracker {
  private readonly readings: StatsReading[] = [];
  private last: StatsReading | null = null;
  private count = 0;
  private mosSum = 0;
  private mosMin = Infinity;
  private jitterSum = 0;
  private jitterMax = 0;
  private rttSum = 0;
  private rttCount = 0;

  /** Adds a reading; returns the live quality, or null before anything was received. */
  add(reading: StatsReading): QualityReading | null {
    if (this.last && reading.at <= this.last.at) return this.current();
    this.last = reading;
    this.readings.push(reading);
    // Keep one reading at or before the window's start, to measure the window from it.
    while (this.readings.length > 2 && this.readings[1]!.at <= reading.at - LOSS_WINDOW_MS) this.readings.shift();
    const live = this.current();
    if (live) {
      this.count += 1;
      this.mosSum += live.mos;
      this.mosMin = Math.min(this.mosMin, live.mos);
      this.jitterSum += live.jitterMs;
      this.jitterMax = Math.max(this.jitterMax, live.jitterMs);
      if (live.rttMs !== null) {
        this.rttSum += live.rttMs;
        this.rttCount += 1;
      }
    }
    return live;
  }

  /** The quality over the last window; null until audio has arrived. */
  current(): QualityReading | null {
    const last = this.last;
    const from = this.readings[0];
    if (!last || !from || last.packetsReceived + last.packetsLost === 0) return null;
    const lossPct = from === last ? lossBetween({ packetsReceived: 0, packetsLost: 0 }, last) : lossBetween(from, last);
    const jitterMs = (last.jitterS ?? 0) * 1000;
    const rttMs = last.rttS === null ? null : last.rttS * 1000;
    const mos = estimateMos(lossPct, jitterMs, rttMs);
    return { label: labelOf(mos), mos, lossPct: round(lossPct, 2), jitterMs: round(jitterMs, 1), rttMs: rttMs === null ? null : round(rttMs, 1) };
  }

  /** The whole call's summary; null when no reading ever showed audio. */
  summary(): CallQualitySummary | null {
    const last = this.last;
    if (!last || this.count === 0) return null;
    const mosAvg = round(this.mosSum / this.count, 2);
    return {
      mos_avg: mosAvg,
      mos_min: round(this.mosMin, 2),
      loss_pct: round(lossBetween({ packetsReceived: 0, packetsLost: 0 }, last), 2),
      jitter_avg_ms: round(this.jitterSum / this.count, 1),
      jitter_max_ms: round(this.jitterMax, 1),
      rtt_avg_ms: this.rttCount === 0 ? null : round(this.rttSum / this.rttCount, 1),
      label: labelOf(mosAvg),
      samples: this.count,
      packets_received: Math.max(0, Math.round(last.packetsReceived)),
      packets_lost: Math.max(0, Math.round(last.packetsLost)),
    };
  }
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
