/**
 * `connect`: dials an app user or a simulated phone and bridges it into this leg's
 * conversation (a websocket endpoint: `websocket.ts`). The caller hears ringback while the
 * callee rings; a synchronous connect asks its eventUrl what to do when no one answers; a
 * phone's `onAnswer` NCCO plays to the callee alone first (a whisper), and its `dtmfAnswer`
 * keys are sent once it answers.
 */
import { randomUUID } from 'node:crypto';
import { loadAudio } from '../../media/decode';
import type { AudioSource } from '../../media/mixer';
import { ringback } from '../../media/tones';
import type { ConnectAction } from '../../../common/ncco-schema';
import { DEFAULT_CONNECT_LIMIT_S, DEFAULT_RING_TIMEOUT_S, msisdn, type CallControl } from '../call-control';
import { AppLeg, PhoneLeg, type Leg, type RingOutcome } from '../legs';
import { hookFrom } from '../webhooks';
import { nccoFrom, sleep, until, type NccoActionHandler } from './context';
import { connectWebSocket } from './websocket';

/** A `p` in `dtmfAnswer` (Vonage: 500 ms). */
const DTMF_PAUSE_MS = 500;

export const connect: NccoActionHandler<ConnectAction> = {
  async start(ctx) {
    const { leg, action, calls } = ctx;
    const endpoint = action.endpoint[0]!;
    const hook = hookFrom(action.eventUrl, action.eventMethod);
    const synchronous = action.eventType === 'synchronous';
    if (endpoint.type === 'websocket') return connectWebSocket(ctx, endpoint);
    if (endpoint.type !== 'app' && endpoint.type !== 'phone') {
      const reason = `connect to a ${endpoint.type} endpoint is not supported by the sandbox`;
      calls.log.warn(`call ${leg.uuid}: ${reason}`);
      const failed = { ...calls.eventBase(leg), uuid: randomUUID(), to: endpoint.type, status: 'failed', direction: 'outbound', reason };
      if (synchronous && hook) return nccoFrom(ctx, hook, failed);
      calls.sendLegEvent(leg, failed, hook ?? calls.eventHook(leg));
      return undefined;
    }
    const conversation = leg.conversation;
    const timeout = action.timeout ?? DEFAULT_RING_TIMEOUT_S;
    const callee =
      endpoint.type === 'app'
        ? new AppLeg(leg.app, conversation, 'outbound', leg.from, endpoint.user, calls.appUser(leg.app, endpoint.user))
        : new PhoneLeg(leg.app, conversation, 'outbound', msisdn(action.from ?? leg.to), msisdn(endpoint.number));
    callee.eventHook = hook;
    calls.register(callee);
    calls.setStatus(callee, 'started');

    const ringbackAudio: Int16Array | AudioSource = action.ringbackTone ? await loadAudio(action.ringbackTone).catch(() => ringback()) : ringback();
    const tone = leg.endpoint ? calls.play(leg, ringbackAudio, { loop: 0 }) : null;
    let outcome: RingOutcome | 'busy';
    if (callee instanceof AppLeg) {
      const from = leg instanceof AppLeg ? { type: 'app', user: leg.user.name } : { type: 'phone', number: leg.from };
      outcome = await calls.ringApp(callee, timeout, from, leg.ended);
      if (outcome === 'answered' || !synchronous) calls.afterAppRinging(callee, outcome);
    } else {
      outcome = await calls.ringPhone(callee, timeout, leg.ended);
    }

    if (outcome !== 'answered') {
      tone?.stop();
      if (synchronous && hook && !leg.isOver) {
        // Vonage asks a synchronous connect's eventUrl what to do when the callee did not answer.
        calls.endLeg(callee, outcome, false);
        return nccoFrom(ctx, hook, { ...calls.eventBase(callee), status: outcome, direction: 'outbound' });
      }
      if (!callee.isOver) calls.endLeg(callee, outcome);
      return undefined;
    }

    // Bridged: the callee joins privately first when it has its own onAnswer NCCO (a whisper).
    const onAnswer = endpoint.type === 'phone' ? endpoint.onAnswer : undefined;
    if (onAnswer) {
      calls.attach(callee, conversation, { canHear: [], canSpeak: [] });
      const whisper = await calls.nccoDuringCall(leg.app, { address: onAnswer.url, http_method: 'GET' }, { ...calls.eventBase(callee) });
      if (whisper.ok && Array.isArray(whisper.ncco)) await ctx.runNcco(callee, whisper.ncco);
    }
    tone?.stop();
    if (leg.isOver || callee.isOver) {
      calls.hangup(callee);
      return undefined;
    }
    calls.attach(callee, conversation);
    if (endpoint.type === 'phone' && endpoint.dtmfAnswer) void sendDtmfAnswer(calls, callee, endpoint.dtmfAnswer);
    const limit = setTimeout(() => calls.hangup(callee), (action.limit ?? DEFAULT_CONNECT_LIMIT_S) * 1000);
    const woken = await until(ctx, callee.ended);
    clearTimeout(limit);
    if (woken.kind === 'ended') calls.hangup(callee);
    return undefined;
  },
  stop: () => undefined,
};

/** `dtmfAnswer`: the keys go to the callee once it answers; each `p` is a pause of half a second. */
async function sendDtmfAnswer(calls: CallControl, callee: Leg, keys: string): Promise<void> {
  for (const part of keys.split(/(p)/)) {
    if (callee.isOver) return;
    if (part === 'p') await sleep(DTMF_PAUSE_MS);
    else if (part) calls.sendDtmf(callee, part);
  }
}
