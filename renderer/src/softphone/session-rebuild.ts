/**
 * The one place that decides when the softphone rebuilds its voice session, whatever asked
 * for it: the SDK lost the session (a network drop across the token's expiry, a platform
 * restart), the first connection or a token renewal failed, the PC resumed or came back
 * online. Pure: the softphone feeds it events with `now` and runs the step it says is due
 * (unit-tested in `test/unit/renderer/session-rebuild.test.ts`); the status line reads
 * {@link connectionOf} of its state.
 *
 * Steps:
 * - `renew`: a fresh token on the live socket (`refreshSession`) — the token's planned
 *   renewal, and retries of a failed one, while the session stays up;
 * - `check`: after a resume or coming online, the socket may be dead without knowing it: renew
 *   with a short timeout, and reopen if that fails;
 * - `reopen`: a fresh token and `createSession` (resuming the platform's session when it still
 *   has it, else a new one), then the answered calls' media (`reconnectCall`).
 *
 * Failures back off 1, 2, 4 … 30 s. A `reopen` never runs while a call's media is being
 * reconnected (`reconnectCall` in flight for dead media): a new session under that request
 * would cut it off; it runs once the media is back or the call is over. A `check` is not
 * needed while a call is live (the SDK reconnects its own media; the calls are checked with
 * the platform instead).
 */
import { retryDelayMs } from './reachability';

export type RebuildStep = 'renew' | 'check' | 'reopen';

/** What asks for the session to be (re)built. */
export type RebuildTrigger =
  /** The token is due for renewal (80 % of its life). */
  | 'renew-due'
  /** `sessionError`: the platform ended the session (expired token, transport closed, ping timeout). */
  | 'session-lost'
  /** The PC woke, was unlocked or came back online. */
  | 'resumed';

export type RebuildEvent =
  | { type: 'trigger'; trigger: RebuildTrigger; now: number }
  /** The step the softphone ran succeeded: the session is up. */
  | { type: 'succeeded'; now: number }
  /** The step failed, with the message for the agent. */
  | { type: 'failed'; message: string; now: number }
  /** The SDK reconnects its socket by itself (`reconnecting`), or did (`reconnection`). */
  | { type: 'sdk'; reconnecting: boolean; now: number }
  /** Whether a call is live, and whether an answered call's media is being reconnected. */
  | { type: 'calls'; live: boolean; mediaReconnecting: boolean; now: number }
  /** The softphone started the step {@link nextStep} said was due. */
  | { type: 'started'; step: RebuildStep; now: number };

export interface RebuildState {
  /** Whether the voice session is up, as the agent should be told. */
  session: 'connecting' | 'up' | 'sdk-reconnecting' | 'down';
  /** Why the session is down, once an attempt to open it failed. */
  failure: string | null;
  /** The first connection has not succeeded yet (a failure then is "Offline", not "Reconnecting"). */
  neverUp: boolean;
  /** The next step and when it is due. */
  pending: { step: RebuildStep; dueAt: number } | null;
  /** The step under way. */
  running: RebuildStep | null;
  /** Failed attempts in a row (the backoff). */
  attempt: number;
  callLive: boolean;
  mediaReconnecting: boolean;
}

/** Before the first connection, which the softphone runs as a `reopen` at once. */
export function rebuildStart(): RebuildState {
  return { session: 'connecting', failure: null, neverUp: true, pending: null, running: 'reopen', attempt: 0, callLive: false, mediaReconnecting: false };
}

const weight: Record<RebuildStep, number> = { renew: 0, check: 1, reopen: 2 };

/** Keeps the heavier of two steps (a reopen includes a renewal), at the earlier time. */
function merge(pending: RebuildState['pending'], step: RebuildStep, dueAt: number): NonNullable<RebuildState['pending']> {
  if (!pending) return { step, dueAt };
  return { step: weight[step] >= weight[pending.step] ? step : pending.step, dueAt: Math.min(pending.dueAt, dueAt) };
}

export function reduceRebuild(state: RebuildState, event: RebuildEvent): RebuildState {
  const now = event.now;
  switch (event.type) {
    case 'trigger':
      switch (event.trigger) {
        case 'renew-due':
          return { ...state, pending: merge(state.pending, 'renew', now) };
        case 'session-lost': {
          if (state.running === 'reopen') return { ...state, session: 'down' };
          // The loss counts as a failed attempt: reopening backs off 1, 2, 4 … s.
          if (state.pending?.step === 'reopen') return { ...state, session: 'down' };
          return { ...state, session: 'down', attempt: state.attempt + 1, pending: merge(state.pending, 'reopen', now + retryDelayMs(state.attempt)) };
        }
        case 'resumed': {
          // A session being opened already: nothing more to do. One waiting to be: now (the network is back), not after the backoff.
          if (state.running === 'reopen') return state;
          // A live call on a session up or being reconnected by the SDK: the SDK looks after its media (the softphone checks the calls with the platform).
          if (state.callLive && state.session !== 'down') return state;
          if (state.session !== 'up') return { ...state, pending: { step: 'reopen', dueAt: now }, attempt: 0 };
          return { ...state, pending: merge(state.pending, 'check', now) };
        }
      }
      return state;
    case 'started':
      return { ...state, running: event.step, pending: null };
    case 'succeeded': {
      // A reopen asked for while a lighter step ran is still to do.
      const keep = state.pending && weight[state.pending.step] > weight[state.running ?? 'renew'] ? state.pending : null;
      return { ...state, session: keep ? state.session : 'up', failure: null, neverUp: false, running: null, attempt: keep ? state.attempt : 0, pending: keep };
    }
    case 'failed': {
      const ran = state.running ?? 'reopen';
      const attempt = state.attempt + 1;
      if (ran === 'check') {
        // The socket did not answer: open the session again now.
        return { ...state, running: null, session: 'down', pending: merge(state.pending, 'reopen', now) };
      }
      if (ran === 'renew' && state.session === 'up') {
        // The session lives until its token expires: renew again soon.
        return { ...state, running: null, attempt, pending: merge(state.pending, 'renew', now + retryDelayMs(state.attempt)) };
      }
      return { ...state, running: null, attempt, session: 'down', failure: event.message, pending: merge(state.pending, 'reopen', now + retryDelayMs(state.attempt)) };
    }
    case 'sdk':
      if (event.reconnecting) return state.session === 'up' ? { ...state, session: 'sdk-reconnecting' } : state;
      // The SDK's socket is back: no reopen needed; a renewal still is.
      return {
        ...state,
        session: state.running === 'reopen' ? state.session : 'up',
        failure: null,
        attempt: 0,
        pending: state.pending?.step === 'renew' ? state.pending : null,
      };
    case 'calls':
      return { ...state, callLive: event.live, mediaReconnecting: event.mediaReconnecting };
  }
}

/** What the softphone should do now: run a step, or look again in `waitMs` (null: nothing pending). */
export function nextStep(state: RebuildState, now: number): { run: RebuildStep } | { waitMs: number } | null {
  if (!state.pending || state.running) return null;
  // Never a new session under a call whose media is being reconnected: its end re-evaluates.
  if (state.pending.step === 'reopen' && state.mediaReconnecting) return null;
  if (state.pending.step === 'check' && state.callLive) return null;
  const wait = state.pending.dueAt - now;
  return wait > 0 ? { waitMs: wait } : { run: state.pending.step };
}

/** The connection the status line shows. */
export type RebuildConnection = { kind: 'connecting' } | { kind: 'ready' } | { kind: 'reconnecting' } | { kind: 'failed'; message: string };

export function connectionOf(state: RebuildState): RebuildConnection {
  switch (state.session) {
    case 'up':
      return { kind: 'ready' };
    case 'connecting':
      return { kind: 'connecting' };
    case 'sdk-reconnecting':
      return { kind: 'reconnecting' };
    case 'down':
      return state.neverUp && state.failure ? { kind: 'failed', message: `Could not connect to the voice platform: ${state.failure}. Retrying…` } : { kind: 'reconnecting' };
  }
}
