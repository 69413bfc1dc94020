import { describe, expect, it } from 'vitest';
import { REBUILD_IDLE, rebuildStep, retryDelayMs, type RebuildEvent, type RebuildState } from '../../../renderer/src/softphone/reachability';

/** Runs events from a state; answers the last state and every effect. */
function run(events: RebuildEvent['type'][], from: RebuildState = REBUILD_IDLE) {
  let state = from;
  const effects: string[] = [];
  for (const type of events) {
    const step = rebuildStep(state, { type });
    state = step.state;
    effects.push(step.effect.type === 'wait' ? `wait ${step.effect.ms}` : step.effect.type);
  }
  return { state, effects };
}

describe('the one session-rebuild path', () => {
  it('a lost session waits first, then rebuilds; a success ends it', () => {
    expect(run(['lost', 'due', 'succeeded'])).toEqual({ state: REBUILD_IDLE, effects: ['wait 1000', 'run', 'none'] });
  });

  it('failures back off 2 s, 4 s … up to 30 s, and a success starts the count again', () => {
    const { effects, state } = run(['lost', 'due', 'failed', 'due', 'failed', 'due', 'failed', 'due', 'failed', 'due', 'failed', 'due', 'failed']);
    expect(effects.filter((e) => e.startsWith('wait'))).toEqual(['wait 1000', 'wait 2000', 'wait 4000', 'wait 8000', 'wait 16000', 'wait 30000', 'wait 30000']);
    expect(state).toEqual({ kind: 'waiting', attempt: 6 });
    expect(run(['due', 'succeeded', 'lost'], state)).toEqual({ state: { kind: 'waiting', attempt: 0 }, effects: ['run', 'none', `wait ${retryDelayMs(0)}`] });
  });

  it('a desktop resume rebuilds at once, idle or while waiting out a backoff', () => {
    expect(run(['resumed'])).toEqual({ state: { kind: 'running', attempt: 0, again: false }, effects: ['run'] });
    expect(run(['resumed'], { kind: 'waiting', attempt: 4 })).toEqual({ state: { kind: 'running', attempt: 4, again: false }, effects: ['run'] });
  });

  it('runs one rebuild at a time: a request meanwhile runs once more after a success, and is covered by the backoff after a failure', () => {
    expect(run(['resumed', 'lost', 'resumed', 'succeeded', 'succeeded'])).toEqual({ state: REBUILD_IDLE, effects: ['run', 'none', 'none', 'run', 'none'] });
    expect(run(['resumed', 'lost', 'failed'])).toEqual({ state: { kind: 'waiting', attempt: 1 }, effects: ['run', 'none', 'wait 2000'] });
  });

  it('ignores what does not apply: a second loss while waiting, a stale timer or outcome', () => {
    expect(run(['lost', 'lost'])).toEqual({ state: { kind: 'waiting', attempt: 0 }, effects: ['wait 1000', 'none'] });
    for (const type of ['due', 'succeeded', 'failed'] as const) expect(rebuildStep(REBUILD_IDLE, { type })).toEqual({ state: REBUILD_IDLE, effect: { type: 'none' } });
    expect(rebuildStep({ kind: 'waiting', attempt: 2 }, { type: 'succeeded' }).effect).toEqual({ type: 'none' });
    expect(rebuildStep({ kind: 'running', attempt: 0, again: false }, { type: 'due' }).effect).toEqual({ type: 'none' });
  });
});
