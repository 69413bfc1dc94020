import { describe, expect, it } from 'vitest';
import { callQualitySummarySchema, estimateMos, labelOf, lossBetween, mosFromR, QualityTracker, rFactor, type StatsReading } from '../../common/call-quality';

const reading = (at: number, packetsReceived: number, packetsLost: number, jitterS: number | null = 0.002, rttS: number | null = 0.02): StatsReading => ({
  at,
  packetsReceived,
  packetsLost,
  jitterS,
  rttS,
});

describe('the E-model', () => {
  it('rates a clean G.711 call near its ceiling and maps R to MOS as G.107 does', () => {
    expect(rFactor(0, 0)).toBeCloseTo(93.2, 5);
    expect(mosFromR(93.2)).toBeCloseTo(4.41, 2);
    expect(mosFromR(0)).toBe(1);
    expect(mosFromR(-5)).toBe(1);
    expect(mosFromR(120)).toBe(4.5);
    expect(mosFromR(80)).toBeCloseTo(4.02, 2);
    expect(mosFromR(70)).toBeCloseTo(3.6, 1);
  });

  it('loss and delay lower the estimate, delay steeply past 177 ms one way', () => {
    const clean = estimateMos(0, 2, 20);
    expect(labelOf(clean)).toBe('good');
    expect(estimateMos(1, 2, 20)).toBeLessThan(clean);
    expect(labelOf(estimateMos(5, 10, 50))).toBe('fair');
    expect(labelOf(estimateMos(10, 10, 50))).toBe('poor');
    expect(rFactor(170, 0) - rFactor(180, 0)).toBeLessThan(rFactor(300, 0) - rFactor(310, 0));
    expect(labelOf(estimateMos(0, 5, 700))).toBe('poor');
    // Unknown round trip counts as none.
    expect(estimateMos(0, 2, null)).toBeGreaterThanOrEqual(clean);
  });

  it('labels at the thresholds', () => {
    expect(labelOf(4.0)).toBe('good');
    expect(labelOf(3.99)).toBe('fair');
    expect(labelOf(3.6)).toBe('fair');
    expect(labelOf(3.59)).toBe('poor');
  });

  it('loss between readings never goes negative and is zero with nothing expected', () => {
    expect(lossBetween({ packetsReceived: 100, packetsLost: 0 }, { packetsReceived: 190, packetsLost: 10 })).toBeCloseTo(10, 5);
    expect(lossBetween({ packetsReceived: 100, packetsLost: 5 }, { packetsReceived: 150, packetsLost: 3 })).toBe(0);
    expect(lossBetween({ packetsReceived: 100, packetsLost: 5 }, { packetsReceived: 100, packetsLost: 5 })).toBe(0);
  });
});

describe('QualityTracker', () => {
  it('is silent until audio arrives, then reads good on a clean line', () => {
    const tracker = new QualityTracker();
    expect(tracker.add(reading(0, 0, 0))).toBeNull();
    expect(tracker.summary()).toBeNull();
    const live = tracker.add(reading(1000, 50, 0));
    expect(live).toMatchObject({ label: 'good', lossPct: 0, jitterMs: 2, rttMs: 20 });
  });

  it('measures loss over the last five seconds: a burst shows, then fades', () => {
    const tracker = new QualityTracker();
    let received = 0;
    let lost = 0;
    for (let s = 0; s <= 10; s++) tracker.add(reading(s * 1000, (received += 50), lost));
    // One second with 20 of 50 packets lost.
    received += 30;
    lost += 20;
    const burst = tracker.add(reading(11_000, received, lost));
    expect(burst?.lossPct).toBeCloseTo(8, 0); // 20 of 250 over the window
    expect(burst?.label).toBe('poor');
    let after = burst;
    for (let s = 12; s <= 17; s++) after = tracker.add(reading(s * 1000, (received += 50), lost));
    expect(after?.lossPct).toBe(0);
    expect(after?.label).toBe('good');
  });

  it('ignores a reading that does not move time forward', () => {
    const tracker = new QualityTracker();
    tracker.add(reading(1000, 50, 0));
    tracker.add(reading(1000, 10, 40));
    expect(tracker.summary()?.samples).toBe(1);
  });

  it('summarises the call: mean and lowest MOS, total loss, jitter, round trip; valid for the API', () => {
    const tracker = new QualityTracker();
    tracker.add(reading(1000, 50, 0, 0.004, 0.02));
    tracker.add(reading(2000, 100, 0, 0.006, 0.04));
    tracker.add(reading(3000, 140, 10, 0.02, null));
    const summary = tracker.summary();
    expect(summary).toMatchObject({ samples: 3, packets_received: 140, packets_lost: 10, jitter_max_ms: 20, rtt_avg_ms: 30 });
    expect(summary?.loss_pct).toBeCloseTo(6.67, 2);
    expect(summary?.jitter_avg_ms).toBeCloseTo(10, 1);
    expect(summary!.mos_min).toBeLessThan(summary!.mos_avg);
    expect(callQualitySummarySchema.parse(summary)).toEqual(summary);
  });

  it('summarises an unmeasured round trip as null', () => {
    const tracker = new QualityTracker();
    tracker.add(reading(1000, 50, 0, null, null));
    expect(tracker.summary()).toMatchObject({ rtt_avg_ms: null, jitter_avg_ms: 0, label: 'good' });
  });
});
