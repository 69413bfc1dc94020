/**
 * The NCCO runner: walks a leg's NCCO, one action at a time, each run by its handler in
 * `actions/` (start / stop contract in `actions/context.ts`) through the {@link CallControl}
 * interface, never the engine itself.
 *
 * An action that returns an NCCO (input, a synchronous connect, notify) replaces the rest of
 * the list, as Vonage does. A run stops at its next step when the leg ends or a transfer
 * replaces its NCCO.
 */
import type { CallControl } from './call-control';
import type { Leg } from './legs';
import type { NccoAction } from '../../common/ncco-schema';
import type { NccoActionHandler, Outcome, RunEnd } from './actions/context';
import { talk } from './actions/talk';
import { stream } from './actions/stream';
import { input } from './actions/input';
import { connect } from './actions/connect';
import { conversation, leftConversation } from './actions/conversation';
import { transfer } from './actions/transfer';
import { record } from './actions/record';
import { notify } from './actions/notify';
import { wait } from './actions/wait';

export type { RunEnd } from './actions/context';

/** Each action's handler, by the NCCO's `action` name. */
type Handlers = { [K in NccoAction['action']]: NccoActionHandler<Extract<NccoAction, { action: K }>> };
const HANDLERS: Handlers = { talk, stream, input, connect, conversation, transfer, record, notify, wait };

/** Executes NCCOs on legs. */
export class NccoRunner {
  constructor(private readonly calls: CallControl) {}

  /** Runs an NCCO on a leg to its end (or the leg's end, or a transfer). */
  async run(leg: Leg, ncco: unknown[]): Promise<RunEnd> {
    const run = leg.nccoRun;
    let actions = [...(ncco as NccoAction[])];
    while (actions.length > 0) {
      if (leg.isOver) return 'ended';
      if (leg.nccoRun !== run) return 'interrupted';
      const next = await this.execute(leg, actions.shift()!, run);
      if (next) actions = next;
    }
    if (leg.isOver) return 'ended';
    return leg.nccoRun === run ? 'finished' : 'interrupted';
  }

  /**
   * Replaces a leg's NCCO (Voice API transfer): the running one stops at its next step, every
   * action releases what it left on the leg, and this one runs; when it finishes the leg hangs up.
   */
  async transfer(leg: Leg, ncco: unknown[]): Promise<void> {
    leg.interrupt();
    for (const handler of Object.values(HANDLERS)) handler.stop(leg);
    const end = await this.run(leg, ncco);
    if (end === 'finished') this.calls.hangup(leg);
  }

  /** The leg left the conversation it was waiting in (moved or its conversation ended). */
  left(leg: Leg): void {
    leftConversation(leg);
  }

  private async execute(leg: Leg, action: NccoAction, run: number): Promise<Outcome> {
    const handler = HANDLERS[action.action] as NccoActionHandler;
    try {
      return await handler.start({ leg, action, run, calls: this.calls, runNcco: (other, ncco) => this.run(other, ncco) });
    } catch (error) {
      const reason = `${action.action} failed: ${(error as Error).message}`;
      this.calls.log.warn(`call ${leg.uuid}: ${reason}`);
      this.calls.reportError(leg, reason);
      return undefined;
    }
  }
}
