import { describe, expect, it } from 'vitest';
import { MEDIA_GIVE_UP_MS, MEDIA_STALL_MS, mediaStart, retryDelayMs, sampleMedia, type MediaHealth } from '../../../renderer/src/softphone/reachability';
import { statusLine, type StatusInputs } from '../../../renderer/src/ui/status-line';
import type { AgentStatusInfoPayload } from '../../../common/ipc-contract';

describe('retryDelayMs', () => {
  it('backs off 1, 2, 4 … seconds and stays at 30 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 50].map(retryDelayMs)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    expect(retryDelayMs(-3)).toBe(1_000);
  });
});

describe('sampleMedia', () => {
  const run = (samples: Array<[packets: number, at: number]>) => {
    let health: MediaHealth = mediaStart(0);
    const actions: string[] = [];
    for (const [packets, at] of samples) {
      const next = sampleMedia(health, packets, at);
      health = next.health;
      actions.push(next.action);
    }
    return { health, actions };
  };

  it('does nothing while packets arrive', () => {
    expect(run([[10, 1_000], [60, 2_000], [110, 3_000], [160, 9_000]]).actions).toEqual(['none', 'none', 'none', 'none']);
  });

  it('asks for a reconnection once nothing arrived for the stall time, and reports recovery', () => {
    const { actions, health } = run([[50, 1_000], [50, 1_000 + MEDIA_STALL_MS - 1], [50, 1_000 + MEDIA_STALL_MS], [50, 6_000], [80, 7_000]]);
    expect(actions).toEqual(['none', 'none', 'reconnect', 'none', 'recovered']);
    expect(health.kind).toBe('flowing');
  });

  it('gives up once, when the reconnection brought no audio back', () => {
    const stalledAt = 1_000 + MEDIA_STALL_MS;
    const { actions, health } = run([[50, 1_000], [50, stalledAt], [50, stalledAt + MEDIA_GIVE_UP_MS - 1], [50, stalledAt + MEDIA_GIVE_UP_MS], [50, stalledAt + MEDIA_GIVE_UP_MS + 5_000]]);
    expect(actions).toEqual(['none', 'reconnect', 'none', 'give-up', 'none']);
    expect(health).toMatchObject({ kind: 'lost' });
  });

  it('counts a new peer connection (counters reset) as audio again', () => {
    const { actions } = run([[500, 1_000], [500, 1_000 + MEDIA_STALL_MS], [12, 7_000]]);
    expect(actions).toEqual(['none', 'reconnect', 'recovered']);
  });
});

describe('statusLine', () => {
  const presence = (p: Partial<AgentStatusInfoPayload>): AgentStatusInfoPayload => ({
    status: 'available',
    since: '2026-03-02T09:00:00.000Z',
    wrap_up_ends_at: null,
    away_reason: null,
    reachable: true,
    ...p,
  });
  const inputs = (p: Partial<StatusInputs>): StatusInputs => ({ presence: presence({}), connection: { kind: 'ready' }, onCall: false, noAudio: false, ...p });

  it('says Available only when the voice session and the backend link are up', () => {
    expect(statusLine(inputs({}))).toMatchObject({ tone: 'available', label: 'Available' });
    for (const connection of [{ kind: 'connecting' }, { kind: 'reconnecting' }, { kind: 'failed', message: 'Lost the connection' }] as const) {
      const line = statusLine(inputs({ connection }));
      expect(line.label).not.toBe('Available');
      expect(line.tone).not.toBe('available');
    }
    expect(statusLine(inputs({ presence: presence({ reachable: false }) }))).toMatchObject({ tone: 'reconnecting', label: 'Reconnecting…' });
    expect(statusLine(inputs({ connection: { kind: 'failed', message: 'Could not connect' } }))).toMatchObject({ tone: 'offline', detail: 'Could not connect' });
  });

  it('says on a call, wrap-up with its end, away with the reason, offline', () => {
    expect(statusLine(inputs({ onCall: true, presence: presence({ status: 'busy' }) }))).toMatchObject({ tone: 'busy', label: 'On a call' });
    expect(statusLine(inputs({ presence: presence({ status: 'busy' }) }))).toMatchObject({ tone: 'busy', label: 'Busy' });
    expect(statusLine(inputs({ presence: presence({ status: 'wrap-up', wrap_up_ends_at: '2026-03-02T09:00:30.000Z' }) }))).toMatchObject({
      tone: 'wrap-up',
      countdown: '2026-03-02T09:00:30.000Z',
    });
    expect(statusLine(inputs({ presence: presence({ status: 'away', away_reason: 'Lunch' }) })).label).toBe('Away — Lunch');
    expect(statusLine(inputs({ presence: presence({ status: 'away', away_reason: 'system' }) })).label).toBe('Away — System (sleep or lock)');
    // Stored as an operator's "System" before the reason was built in: read the same way.
    expect(statusLine(inputs({ presence: presence({ status: 'away', away_reason: 'System' }) })).label).toBe('Away — System (sleep or lock)');
    expect(statusLine(inputs({ presence: presence({ status: 'away' }) })).label).toBe('Away');
    expect(statusLine(inputs({ presence: presence({ status: 'offline', reachable: false }) }))).toMatchObject({ tone: 'offline', label: 'Offline' });
    expect(statusLine(inputs({ presence: null }))).toMatchObject({ tone: 'unknown' });
  });

  it('tells an agent on a call whose audio stopped, rather than a plain "On a call"', () => {
    expect(statusLine(inputs({ onCall: true, noAudio: true }))).toMatchObject({ tone: 'reconnecting', label: 'On a call — no audio' });
  });
});
