/**
 * Conversations and media membership: which conversation each leg's media is in, the named
 * conversations of each application, who hears and speaks to whom, hold music while a
 * conversation waits, and what is played into a leg.
 */
import { randomUUID } from 'node:crypto';
import type { ApplicationRecord } from '../state/store';
import type { MediaClock } from '../media/clock';
import type { MediaEndpoint } from '../media/endpoint';
import { Mixer, type AudioSource, type MemberOptions, type Playback } from '../media/mixer';
import { AppLeg, Conversation, PhoneLeg, type Heard, type Leg } from './legs';

/** What membership changes set off elsewhere. */
export interface MembershipHooks {
  /** A leg left the conversation it was in (an NCCO waiting there goes on). */
  left(leg: Leg): void;
  /** Hangs up a leg (the others, when an `endOnExit` leg leaves). */
  hangup(leg: Leg): void;
}

/** Every conversation of the sandbox and the legs' places in them. */
export class Conversations {
  private readonly all = new Map<string, Conversation>();
  /** Named conversations (the `conversation` action), per application. */
  private readonly named = new Map<string, Conversation>();
  /** The options each leg joined its conversation with, re-applied when a waiting conversation starts. */
  private readonly memberOptions = new WeakMap<Leg, MemberOptions>();

  constructor(
    private readonly clock: MediaClock,
    private readonly hooks: MembershipHooks,
  ) {}

  get(id: string): Conversation | undefined {
    return this.all.get(id);
  }

  create(app: ApplicationRecord, name?: string): Conversation {
    const conversation = new Conversation(name ?? `CON-${randomUUID()}`, app, new Mixer(this.clock));
    this.all.set(conversation.id, conversation);
    return conversation;
  }

  /**
   * The named conversation of an application, created on first use and again once everyone
   * has left it (a finished conversation's name starts a new one).
   */
  namedConversation(app: ApplicationRecord, name: string): { conversation: Conversation; created: boolean } {
    const key = `${app.id}/${name}`;
    const existing = this.named.get(key);
    if (existing && existing.liveLegs().length > 0) return { conversation: existing, created: false };
    if (existing) this.named.delete(key);
    const conversation = this.create(app, name);
    this.named.set(key, conversation);
    return { conversation, created: true };
  }

  /** Closes the conversations no live leg is in and no remembered leg refers to. */
  closeUnused(remembered: Iterable<Leg>): void {
    const kept = new Set<Conversation>();
    for (const leg of remembered) kept.add(leg.conversation);
    for (const conversation of this.all.values()) {
      if (conversation.liveLegs().length > 0 || kept.has(conversation)) continue;
      conversation.mixer.close();
      this.all.delete(conversation.id);
      for (const [key, named] of this.named) if (named === conversation) this.named.delete(key);
    }
  }

  /** Puts a leg's media into a conversation's mixer (leaving the one it was in). */
  attach(leg: Leg, conversation: Conversation, options: MemberOptions = {}): void {
    this.memberOptions.set(leg, options);
    if (leg.conversation === conversation && conversation.legs.has(leg)) {
      // Already here: only who it hears and speaks to changes (e.g. after a private whisper).
      if (conversation.mixer.has(leg.uuid)) {
        const routing = conversation.started ? { canHear: options.canHear, canSpeak: options.canSpeak } : { canHear: [], canSpeak: [] };
        conversation.mixer.update(leg.uuid, routing);
      }
      return;
    }
    this.detach(leg);
    leg.conversation = conversation;
    conversation.legs.add(leg);
    if (leg instanceof AppLeg) conversation.members.set(leg.memberId, leg);
    if (leg.endpoint) this.joinMixer(leg, leg.endpoint);
  }

  /** Joins a leg's media to its conversation's mixer with its options; a waiting conversation bridges no one yet. */
  joinMixer(leg: Leg, endpoint: MediaEndpoint): void {
    const conversation = leg.conversation;
    conversation.mixer.join(leg.uuid, endpoint, {
      ...this.memberOptions.get(leg),
      muted: leg.muted,
      earmuffed: leg.earmuffed,
      ...(conversation.started ? {} : { canHear: [], canSpeak: [] }),
    });
  }

  /** Takes a leg's media out of its conversation; an `endOnExit` leg ends the conversation. */
  detach(leg: Leg): void {
    const conversation = leg.conversation;
    if (!conversation.legs.delete(leg)) return;
    conversation.mixer.leave(leg.uuid);
    conversation.holdPlayback(leg)?.stop();
    conversation.setHoldPlayback(leg, null);
    this.hooks.left(leg);
    if (conversation.settings.endOnExit.has(leg.uuid)) {
      conversation.settings.endOnExit.delete(leg.uuid);
      for (const other of conversation.liveLegs()) {
        if (other !== leg) this.hooks.hangup(other);
      }
    }
    if (conversation.liveLegs().length === 0) void conversation.stopRecording?.();
  }

  /** Starts a conversation that was waiting: hold music stops and everyone is bridged. */
  startConversation(conversation: Conversation): void {
    if (conversation.started) return;
    conversation.started = true;
    for (const leg of conversation.legs) {
      conversation.holdPlayback(leg)?.stop();
      conversation.setHoldPlayback(leg, null);
      if (conversation.mixer.has(leg.uuid)) conversation.mixer.update(leg.uuid, { canHear: undefined, canSpeak: undefined, ...this.memberOptions.get(leg) });
    }
  }

  /** Plays audio to one leg; a phone notes what it heard. */
  play(leg: Leg, audio: Int16Array | AudioSource, options: { loop?: number; level?: number }, heard?: Heard): Playback {
    if (heard && leg instanceof PhoneLeg) leg.heard.push(heard);
    return leg.conversation.mixer.play(audio, { ...options, to: [leg.uuid] });
  }

  setMuted(leg: Leg, muted: boolean): void {
    leg.muted = muted;
    if (leg.conversation.mixer.has(leg.uuid)) leg.conversation.mixer.update(leg.uuid, { muted });
  }

  setEarmuffed(leg: Leg, earmuffed: boolean): void {
    leg.earmuffed = earmuffed;
    if (leg.conversation.mixer.has(leg.uuid)) leg.conversation.mixer.update(leg.uuid, { earmuffed });
  }

  /** Closes every mixer (sandbox shutdown). */
  closeAll(): void {
    for (const conversation of this.all.values()) conversation.mixer.close();
  }
}
