/**
 * The contract every NCCO action keeps, and the helpers they share.
 *
 * An action is a {@link NccoActionHandler}: `start(ctx)` runs it on `ctx.leg` and resolves
 * when the NCCO may go on — with the NCCO that replaces the rest of the list when the action
 * returns one (input, a synchronous connect, notify), as Vonage does. It gives up at once
 * when the leg ends or a transfer replaces the NCCO ({@link until}). `stop(leg)` releases
 * what the action left running on the leg past its own end (a barge-in prompt, an input's
 * key listener) when another NCCO takes the leg over.
 */
import type { Playback } from '../../media/mixer';
import type { Webhook } from '../../state/store';
import type { NccoAction } from '../../../common/ncco-schema';
import type { CallControl } from '../call-control';
import type { Leg } from '../legs';

/** What an action gives back: nothing (the NCCO goes on), or the NCCO that replaces the rest of it. */
export type Outcome = NccoAction[] | undefined;

/** How a run of an NCCO ended. */
export type RunEnd = 'finished' | 'interrupted' | 'ended';

/** What an action runs with. */
export interface ActionContext<A extends NccoAction = NccoAction> {
  readonly leg: Leg;
  readonly action: A;
  /** The NCCO run this action belongs to (`leg.nccoRun` when it started). */
  readonly run: number;
  readonly calls: CallControl;
  /** Runs another NCCO on a leg to its end (a callee's whisper). */
  runNcco(leg: Leg, ncco: unknown[]): Promise<RunEnd>;
}

/** One NCCO action's start / stop contract. */
export interface NccoActionHandler<A extends NccoAction = NccoAction> {
  start(ctx: ActionContext<A>): Promise<Outcome>;
  stop(leg: Leg): void;
}

/** Why a wait ended: its own event, the leg's end, or a transfer. */
export type Woken<T> = { kind: 'done'; value: T } | { kind: 'ended' } | { kind: 'interrupted' };

/** Whether the action's run is still the leg's (not ended, not replaced by a transfer). */
export function current(ctx: ActionContext): boolean {
  return !ctx.leg.isOver && ctx.leg.nccoRun === ctx.run;
}

/** Waits for `work`, the leg's end or a transfer, whichever comes first. */
export async function until<T>(ctx: ActionContext, work: Promise<T>): Promise<Woken<T>> {
  const { leg, run } = ctx;
  if (leg.isOver) return { kind: 'ended' };
  if (leg.nccoRun !== run) return { kind: 'interrupted' };
  return Promise.race([
    work.then((value) => ({ kind: 'done' as const, value })),
    leg.ended.then(() => ({ kind: 'ended' as const })),
    leg.interrupted.then(() => ({ kind: 'interrupted' as const })),
  ]);
}

/** Plays a prompt; with bargeIn it keeps playing while the next action (an input) listens. */
export async function prompt(ctx: ActionContext, playback: Playback, bargeIn: boolean | undefined): Promise<void> {
  const { leg } = ctx;
  if (bargeIn) {
    leg.bargeIn?.stop();
    leg.bargeIn = playback;
    void playback.done.then(() => {
      if (leg.bargeIn === playback) leg.bargeIn = null;
    });
    return;
  }
  const woken = await until(ctx, playback.done);
  if (woken.kind !== 'done') playback.stop();
}

/** Stops a barge-in prompt still playing on the leg. */
export function stopBargeIn(leg: Leg): void {
  leg.bargeIn?.stop();
  leg.bargeIn = null;
}

/** Asks a URL for the NCCO that continues the call; a failure or bad NCCO lets the current one go on. */
export async function nccoFrom(ctx: ActionContext, hook: Webhook | undefined, payload: Record<string, unknown>): Promise<Outcome> {
  if (!hook) return undefined;
  const { leg, calls } = ctx;
  const result = await calls.nccoDuringCall(leg.app, hook, payload);
  if (!current(ctx)) return undefined;
  if (!result.ok) {
    calls.log.warn(`call ${leg.uuid}: ${result.reason}; the call goes on`);
    calls.reportError(leg, result.reason);
    return undefined;
  }
  // `Webhooks` has validated an array; anything else means "no change to the call".
  return Array.isArray(result.ncco) ? (result.ncco as NccoAction[]) : undefined;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
