/**
 * `input`: collects keys, then asks the eventUrl what to do next. `mode: "asynchronous"`: the
 * NCCO goes on at once, and each key pressed from now on is sent to the eventUrl as it
 * arrives (`dtmf.digits` holding that one key), until the call ends or another input takes
 * over; what the eventUrl answers does not change the call.
 */
import type { InputAction } from '../../../common/ncco-schema';
import type { Leg } from '../legs';
import { hookFrom } from '../webhooks';
import { current, nccoFrom, stopBargeIn, type ActionContext, type NccoActionHandler } from './context';

export const input: NccoActionHandler<InputAction> = {
  async start(ctx) {
    const { leg, action, calls } = ctx;
    if (action.mode === 'asynchronous') {
      stopBargeIn(leg);
      leg.asyncInput = hookFrom(action.eventUrl, action.eventMethod) ?? calls.eventHook(leg);
      return undefined;
    }
    leg.asyncInput = undefined;
    const payload: Record<string, unknown> = {};
    if (action.type.includes('dtmf')) {
      const { digits, timedOut } = await collectDigits(ctx);
      if (!current(ctx)) return undefined;
      payload.dtmf = { digits, timed_out: timedOut };
    } else {
      leg.bargeIn?.stop();
      payload.dtmf = { digits: '', timed_out: false };
    }
    if (action.type.includes('speech')) {
      payload.speech = { results: [], error: 'Speech recognition is not supported by the sandbox; use DTMF' };
      calls.log.warn(`call ${leg.uuid}: input type speech is not supported; reported to the eventUrl`);
    }
    const hook = hookFrom(action.eventUrl, action.eventMethod) ?? calls.eventHook(leg);
    return nccoFrom(ctx, hook, { ...calls.eventBase(leg), ...payload });
  },
  /** The new NCCO has its own inputs (a Voice API DTMF subscription stays). */
  stop(leg: Leg) {
    leg.onDigit = null;
    leg.asyncInput = undefined;
  },
};

function collectDigits(ctx: ActionContext<InputAction>): Promise<{ digits: string; timedOut: boolean }> {
  const { leg, action, run } = ctx;
  const maxDigits = action.dtmf?.maxDigits ?? 4;
  const timeOutMs = (action.dtmf?.timeOut ?? 3) * 1000;
  const submitOnHash = action.dtmf?.submitOnHash ?? false;
  return new Promise((resolve) => {
    let digits = '';
    let timer: NodeJS.Timeout | undefined;
    const finish = (timedOut: boolean) => {
      clearTimeout(timer);
      if (leg.onDigit === onDigit) leg.onDigit = null;
      resolve({ digits, timedOut });
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(true), timeOutMs);
    };
    const onDigit = (digit: string) => {
      if (digit === '#' && submitOnHash) return finish(false);
      digits += digit;
      if (digits.length >= maxDigits) finish(false);
      else arm();
    };
    leg.onDigit = onDigit;
    // The wait for the first key starts once a barge-in prompt has finished playing.
    const playing = leg.bargeIn;
    if (playing) void playing.done.then(() => leg.onDigit === onDigit && digits === '' && arm());
    else arm();
    void leg.ended.then(() => finish(false));
    void leg.interrupted.then(() => leg.nccoRun !== run && finish(false));
  });
}
