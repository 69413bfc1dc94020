/**
 * DTMF on the platform: keys sent to a leg (the Voice API, `dtmfAnswer`, another party's
 * keypad) are heard as tones — and an app leg's SDK gets `audio:dtmf`, an application's
 * websocket gets its DTMF message — and keys pressed by a leg's party feed its NCCO (an
 * `input` collecting them, a barge-in prompt stopping) and the subscriptions that want each
 * key as it arrives.
 */
import { dtmfTones } from '../media/tones';
import type { MediaControl, EventControl } from './call-control';
import { AppLeg, PhoneLeg, WebSocketLeg, type Leg } from './legs';

/** What keys need of the rest of the platform. */
export interface KeyDeps extends Pick<MediaControl, 'play'>, Pick<EventControl, 'sendLegEvent'> {
  /** Tells an answered app leg's SDK of keys sent to it. */
  sdkDtmf(leg: AppLeg, digits: string): void;
}

export class Keys {
  constructor(private readonly deps: KeyDeps) {}

  /** Sends DTMF to a leg: its party hears the tones. */
  send(leg: Leg, digits: string): void {
    if (leg instanceof PhoneLeg) {
      leg.dtmfReceived.push(...digits);
      this.deps.play(leg, dtmfTones(digits), {}, { type: 'dtmf', digits });
    } else if (leg instanceof AppLeg && leg.answeredBy) {
      this.deps.play(leg, dtmfTones(digits), {});
      this.deps.sdkDtmf(leg, digits);
    } else if (leg instanceof WebSocketLeg) {
      for (const digit of digits) leg.endpoint?.sendDtmf(digit);
    }
  }

  /**
   * Keys pressed by a leg's party (the phone's keypad, the SDK's sendDTMF): an `input`
   * action collects them, a barge-in prompt stops, and the other parties hear them.
   */
  press(leg: Leg, digits: string): void {
    for (const digit of digits) {
      // Each key on its own, as it arrives: an asynchronous input, a DTMF subscription.
      for (const hook of new Set([leg.asyncInput, leg.dtmfSubscription])) {
        if (hook) this.deps.sendLegEvent(leg, { dtmf: { digits: digit, timed_out: false } }, hook);
      }
      if (leg.bargeIn) {
        leg.bargeIn.stop();
        leg.bargeIn = null;
      }
      leg.onDigit?.(digit);
    }
    for (const other of leg.conversation.liveLegs()) {
      if (other === leg || !leg.conversation.started) continue;
      this.send(other, digits);
    }
  }
}
