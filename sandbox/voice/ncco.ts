/**
 * The NCCO runner: executes a leg's actions in order on top of the call engine.
 *
 * Each action awaits what it must (a talk finishing, keys, a connected party hanging up)
 * and gives up at once when the leg ends or a transfer replaces its NCCO. An action that
 * returns an NCCO (input, a synchronous connect, notify) replaces the rest of the list, as
 * Vonage does.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadAudio } from '../media/decode';
import type { AudioSource, MemberOptions, Playback } from '../media/mixer';
import { synthesize } from '../media/speech';
import { beep, ringback } from '../media/tones';
import { rms } from '../media/analysis';
import { Mp3Writer } from '../media/mp3';
import { WavWriter } from '../media/wav';
import type { Webhook } from '../state/store';
import type { CallEngine } from './engine';
import { DEFAULT_RING_TIMEOUT_S, msisdn, type RecordingFormat } from './engine';
import { AppLeg, Conversation, PhoneLeg, WebSocketLeg, type Leg, type RingOutcome } from './legs';
import { WebSocketEndpoint } from '../media/websocket-endpoint';
import {
  nccoProblem,
  type ConnectAction,
  type ConversationAction,
  type InputAction,
  type NccoAction,
  type NotifyAction,
  type RecordAction,
  type StreamAction,
  type TalkAction,
  type TransferAction,
  type WebSocketTarget,
} from './ncco-schema';
import { hookFrom } from './webhooks';

/** How a run of an NCCO ended. */
export type RunEnd = 'finished' | 'interrupted' | 'ended';

/** Why a wait ended: its own event, the leg's end, or a transfer. */
type Woken<T> = { kind: 'done'; value: T } | { kind: 'ended' } | { kind: 'interrupted' };

/** Frames whose level is under this count as silence for `endOnSilence` (about -50 dBFS). */
const SILENCE_RMS = 100;
const DEFAULT_RECORD_TIMEOUT_S = 7200;
/** Vonage records in mp3 unless the NCCO says otherwise. */
const DEFAULT_RECORDING_FORMAT = 'mp3';
const DEFAULT_WAIT_S = 10;
const DEFAULT_CONNECT_LIMIT_S = 7200;
/** A `p` in `dtmfAnswer` (Vonage: 500 ms). */
const DTMF_PAUSE_MS = 500;
/** How long a websocket may take to open when the connect sets no `timeout`. */
const DEFAULT_WEBSOCKET_CONNECT_S = 10;

/** Executes NCCOs for the engine. */
export class NccoRunner {
  /** Resolvers of legs waiting in a conversation, woken when they leave it. */
  private readonly leaving = new WeakMap<Leg, () => void>();

  constructor(private readonly engine: CallEngine) {}

  /** Null when the NCCO is valid, else the first problem with its path. */
  validate(ncco: unknown): string | null {
    return nccoProblem(ncco);
  }

  /** Runs an NCCO on a leg to its end (or the leg's end, or a transfer). */
  async run(leg: Leg, ncco: unknown[]): Promise<RunEnd> {
    const run = leg.nccoRun;
    let actions = [...(ncco as NccoAction[])];
    while (actions.length > 0) {
      if (leg.isOver) return 'ended';
      if (leg.nccoRun !== run) return 'interrupted';
      const action = actions.shift()!;
      const next = await this.execute(leg, action, run);
      if (next) actions = next;
    }
    if (leg.isOver) return 'ended';
    return leg.nccoRun === run ? 'finished' : 'interrupted';
  }

  /**
   * Replaces a leg's NCCO (Voice API transfer): the running one stops at its next step and
   * this one runs; when it finishes the leg hangs up.
   */
  async transfer(leg: Leg, ncco: unknown[]): Promise<void> {
    leg.interrupt();
    leg.onDigit = null;
    leg.asyncInput = undefined; // the new NCCO has its own inputs (a DTMF subscription stays)
    leg.bargeIn?.stop();
    leg.bargeIn = null;
    const end = await this.run(leg, ncco);
    if (end === 'finished') this.engine.hangup(leg);
  }

  /** The leg left the conversation it was waiting in (moved or its conversation ended). */
  left(leg: Leg): void {
    this.leaving.get(leg)?.();
    this.leaving.delete(leg);
  }

  private async execute(leg: Leg, action: NccoAction, run: number): Promise<NccoAction[] | undefined> {
    try {
      switch (action.action) {
        case 'talk':
          return await this.talk(leg, action, run);
        case 'stream':
          return await this.stream(leg, action, run);
        case 'input':
          return await this.input(leg, action, run);
        case 'connect':
          return await this.connect(leg, action, run);
        case 'conversation':
          return await this.conversation(leg, action, run);
        case 'transfer':
          return await this.transferAction(leg, action, run);
        case 'record':
          return await this.record(leg, action, run);
        case 'notify':
          return await this.notify(leg, action, run);
        case 'wait':
          await this.until(leg, run, sleep((action.timeout ?? DEFAULT_WAIT_S) * 1000));
          return undefined;
      }
    } catch (error) {
      const reason = `${action.action} failed: ${(error as Error).message}`;
      this.engine.log.warn(`call ${leg.uuid}: ${reason}`);
      this.engine.reportError(leg, reason);
      return undefined;
    }
  }

  /** Waits for `work`, the leg's end or a transfer, whichever comes first. */
  private async until<T>(leg: Leg, run: number, work: Promise<T>): Promise<Woken<T>> {
    if (leg.isOver) return { kind: 'ended' };
    if (leg.nccoRun !== run) return { kind: 'interrupted' };
    return Promise.race([
      work.then((value) => ({ kind: 'done' as const, value })),
      leg.ended.then(() => ({ kind: 'ended' as const })),
      leg.interrupted.then(() => ({ kind: 'interrupted' as const })),
    ]);
  }

  /** Plays a prompt; with bargeIn it keeps playing while the next action (an input) listens. */
  private async prompt(leg: Leg, run: number, playback: Playback, bargeIn: boolean | undefined): Promise<void> {
    if (bargeIn) {
      leg.bargeIn?.stop();
      leg.bargeIn = playback;
      void playback.done.then(() => {
        if (leg.bargeIn === playback) leg.bargeIn = null;
      });
      return;
    }
    const woken = await this.until(leg, run, playback.done);
    if (woken.kind !== 'done') playback.stop();
  }

  private async talk(leg: Leg, action: TalkAction, run: number): Promise<undefined> {
    const audio = await synthesize(action.text, { language: action.language, style: action.style });
    if (leg.isOver || leg.nccoRun !== run) return undefined;
    const playback = this.engine.play(leg, audio, { loop: action.loop ?? 1, level: action.level ?? 0 }, { type: 'talk', text: action.text });
    await this.prompt(leg, run, playback, action.bargeIn);
    return undefined;
  }

  private async stream(leg: Leg, action: StreamAction, run: number): Promise<undefined> {
    const url = action.streamUrl[0]!;
    const audio = await loadAudio(url);
    if (leg.isOver || leg.nccoRun !== run) return undefined;
    const playback = this.engine.play(leg, audio, { loop: action.loop ?? 1, level: action.level ?? 0 }, { type: 'stream', url });
    await this.prompt(leg, run, playback, action.bargeIn);
    return undefined;
  }

  /** Collects keys, then asks the eventUrl what to do next. */
  private async input(leg: Leg, action: InputAction, run: number): Promise<NccoAction[] | undefined> {
    if (action.mode === 'asynchronous') return this.asynchronousInput(leg, action);
    leg.asyncInput = undefined;
    const wantsDtmf = action.type.includes('dtmf');
    const payload: Record<string, unknown> = {};
    if (wantsDtmf) {
      const { digits, timedOut } = await this.collectDigits(leg, run, action);
      if (leg.isOver || leg.nccoRun !== run) return undefined;
      payload.dtmf = { digits, timed_out: timedOut };
    } else {
      leg.bargeIn?.stop();
      payload.dtmf = { digits: '', timed_out: false };
    }
    if (action.type.includes('speech')) {
      payload.speech = { results: [], error: 'Speech recognition is not supported by the sandbox; use DTMF' };
      this.engine.log.warn(`call ${leg.uuid}: input type speech is not supported; reported to the eventUrl`);
    }
    const hook = hookFrom(action.eventUrl, action.eventMethod) ?? this.engine.eventHook(leg);
    return this.nccoFrom(leg, run, hook, { ...this.engine.eventBase(leg), ...payload });
  }

  /**
   * `mode: "asynchronous"`: the NCCO goes on at once, and each key pressed from now on is sent
   * to the eventUrl as it arrives (`dtmf.digits` holding that one key), until the call ends or
   * another input takes over. What the eventUrl answers does not change the call.
   */
  private asynchronousInput(leg: Leg, action: InputAction): undefined {
    leg.bargeIn?.stop();
    leg.asyncInput = hookFrom(action.eventUrl, action.eventMethod) ?? this.engine.eventHook(leg);
    return undefined;
  }

  private collectDigits(leg: Leg, run: number, action: InputAction): Promise<{ digits: string; timedOut: boolean }> {
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
      const prompt = leg.bargeIn;
      if (prompt) void prompt.done.then(() => leg.onDigit === onDigit && digits === '' && arm());
      else arm();
      void leg.ended.then(() => finish(false));
      void leg.interrupted.then(() => leg.nccoRun !== run && finish(false));
    });
  }

  /** Asks a URL for the NCCO that continues the call; a failure or bad NCCO lets the current one go on. */
  private async nccoFrom(leg: Leg, run: number, hook: Webhook | undefined, payload: Record<string, unknown>): Promise<NccoAction[] | undefined> {
    if (!hook) return undefined;
    const result = await this.engine.webhooks.nccoDuringCall(leg.app, hook, payload);
    if (leg.isOver || leg.nccoRun !== run) return undefined;
    if (!result.ok) {
      this.engine.log.warn(`call ${leg.uuid}: ${result.reason}; the call goes on`);
      this.engine.reportError(leg, result.reason);
      return undefined;
    }
    // `Webhooks` has validated an array; anything else means "no change to the call".
    return Array.isArray(result.ncco) ? (result.ncco as NccoAction[]) : undefined;
  }

  /** Dials an app user or a simulated phone and bridges it into this leg's conversation. */
  private async connect(leg: Leg, action: ConnectAction, run: number): Promise<NccoAction[] | undefined> {
    const endpoint = action.endpoint[0]!;
    const engine = this.engine;
    const hook = hookFrom(action.eventUrl, action.eventMethod);
    const synchronous = action.eventType === 'synchronous';
    if (endpoint.type === 'websocket') return this.connectWebSocket(leg, action, endpoint, run);
    if (endpoint.type !== 'app' && endpoint.type !== 'phone') {
      const reason = `connect to a ${endpoint.type} endpoint is not supported by the sandbox`;
      engine.log.warn(`call ${leg.uuid}: ${reason}`);
      const failed = { ...engine.eventBase(leg), uuid: randomUUID(), to: endpoint.type, status: 'failed', direction: 'outbound', reason };
      if (synchronous && hook) return this.nccoFrom(leg, run, hook, failed);
      engine.sendLegEvent(leg, failed, hook ?? engine.eventHook(leg));
      return undefined;
    }
    const conversation = leg.conversation;
    const timeout = action.timeout ?? DEFAULT_RING_TIMEOUT_S;
    const callee =
      endpoint.type === 'app'
        ? new AppLeg(leg.app, conversation, 'outbound', leg.from, endpoint.user, engine.deps.sessions.user(leg.app.id, endpoint.user))
        : new PhoneLeg(leg.app, conversation, 'outbound', msisdn(action.from ?? leg.to), msisdn(endpoint.number));
    callee.eventHook = hook;
    engine.register(callee);
    engine.setStatus(callee, 'started');

    const ringbackAudio: Int16Array | AudioSource = action.ringbackTone ? await loadAudio(action.ringbackTone).catch(() => ringback()) : ringback();
    const tone = leg.endpoint ? engine.play(leg, ringbackAudio, { loop: 0 }) : null;
    let outcome: RingOutcome | 'busy';
    if (callee instanceof AppLeg) {
      const from = leg instanceof AppLeg ? { type: 'app', user: leg.user.name } : { type: 'phone', number: leg.from };
      outcome = await engine.ringApp(callee, timeout, from, leg.ended);
      if (outcome === 'answered' || !synchronous) engine.afterAppRinging(callee, outcome);
    } else {
      outcome = await engine.ringPhone(callee, timeout, leg.ended);
    }

    if (outcome !== 'answered') {
      tone?.stop();
      if (synchronous && hook && !leg.isOver) {
        // Vonage asks a synchronous connect's eventUrl what to do when the callee did not answer.
        engine.endLeg(callee, outcome, false);
        return this.nccoFrom(leg, run, hook, { ...engine.eventBase(callee), status: outcome, direction: 'outbound' });
      }
      if (!callee.isOver) engine.endLeg(callee, outcome);
      return undefined;
    }

    // Bridged: the callee joins privately first when it has its own onAnswer NCCO (a whisper).
    const onAnswer = endpoint.type === 'phone' ? endpoint.onAnswer : undefined;
    if (onAnswer) {
      engine.attach(callee, conversation, { canHear: [], canSpeak: [] });
      const whisper = await engine.webhooks.nccoDuringCall(leg.app, { address: onAnswer.url, http_method: 'GET' }, {
        ...engine.eventBase(callee),
      });
      if (whisper.ok && Array.isArray(whisper.ncco)) await this.run(callee, whisper.ncco);
    }
    tone?.stop();
    if (leg.isOver || callee.isOver) {
      engine.hangup(callee);
      return undefined;
    }
    engine.attach(callee, conversation);
    if (endpoint.type === 'phone' && endpoint.dtmfAnswer) void this.sendDtmfAnswer(callee, endpoint.dtmfAnswer);
    const limit = setTimeout(() => engine.hangup(callee), (action.limit ?? DEFAULT_CONNECT_LIMIT_S) * 1000);
    const woken = await this.until(leg, run, callee.ended);
    clearTimeout(limit);
    if (woken.kind === 'ended') engine.hangup(callee);
    return undefined;
  }

  /** `dtmfAnswer`: the keys go to the callee once it answers; each `p` is a pause of half a second. */
  private async sendDtmfAnswer(callee: Leg, keys: string): Promise<void> {
    for (const part of keys.split(/(p)/)) {
      if (callee.isOver) return;
      if (part === 'p') await sleep(DTMF_PAUSE_MS);
      else if (part) this.engine.sendDtmf(callee, part);
    }
  }

  /**
   * Connects the call to the application's websocket: a leg whose status events go to the
   * connect's eventUrl (else the application's event_url) — started, ringing, then answered
   * once the socket is open, or failed when it cannot be opened. The caller's NCCO waits while
   * the socket lives. When the caller's leg ends the platform closes the socket (code 1000).
   * When the application closes it, Vonage sends `disconnected` to the event URL and runs
   * the NCCO it answers with, if any, in place of the rest of the caller's NCCO; otherwise
   * the caller's NCCO goes on with its next action.
   */
  private async connectWebSocket(leg: Leg, action: ConnectAction, endpoint: WebSocketTarget, run: number): Promise<NccoAction[] | undefined> {
    const engine = this.engine;
    const hook = hookFrom(action.eventUrl, action.eventMethod);
    const callee = new WebSocketLeg(leg.app, leg.conversation, 'outbound', leg.from, endpoint.uri);
    callee.eventHook = hook;
    engine.register(callee);
    engine.setStatus(callee, 'started');
    engine.setStatus(callee, 'ringing');
    let media: WebSocketEndpoint;
    try {
      media = await WebSocketEndpoint.open(callee.uuid, engine.deps.clock, {
        uri: endpoint.uri,
        contentType: endpoint['content-type'],
        headers: endpoint.headers ?? {},
        connectTimeoutMs: (action.timeout ?? DEFAULT_WEBSOCKET_CONNECT_S) * 1000,
      });
    } catch (error) {
      const reason = `the websocket ${endpoint.uri} could not be opened: ${(error as Error).message}`;
      engine.log.warn(`call ${leg.uuid}: ${reason}`);
      engine.endLeg(callee, 'failed', false);
      const failed = { ...engine.eventBase(callee), status: 'failed', direction: 'outbound', reason };
      if (action.eventType === 'synchronous' && hook && !leg.isOver) return this.nccoFrom(leg, run, hook, failed);
      engine.sendLegEvent(callee, failed, hook ?? engine.eventHook(callee));
      return undefined;
    }
    if (leg.isOver || leg.nccoRun !== run) {
      media.close();
      engine.endLeg(callee, 'cancelled');
      return undefined;
    }
    callee.endpoint = media;
    engine.setStatus(callee, 'answered');
    engine.attach(callee, leg.conversation);
    const limit = setTimeout(() => engine.hangup(callee), (action.limit ?? DEFAULT_CONNECT_LIMIT_S) * 1000);
    const woken = await this.until(leg, run, media.closed);
    clearTimeout(limit);
    if (woken.kind !== 'done' || woken.value.by === 'platform') {
      engine.hangup(callee);
      return undefined;
    }
    // The application closed the socket: Vonage asks the event URL what to do next.
    const { code, reason } = woken.value;
    const next = await this.nccoFrom(leg, run, hook ?? engine.eventHook(callee), {
      ...engine.eventBase(callee),
      status: 'disconnected',
      direction: 'outbound',
      code,
      ...(reason ? { reason } : {}),
    });
    engine.endLeg(callee, 'completed');
    return next;
  }

  /** Moves the leg into a named conversation and stays there until it leaves or the conversation ends. */
  private async conversation(leg: Leg, action: ConversationAction, run: number): Promise<undefined> {
    const { conversation, created } = this.engine.namedConversation(leg.app, action.name);
    if (created) conversation.started = false;
    if (action.musicOnHoldUrl) conversation.settings.musicOnHoldUrl = action.musicOnHoldUrl[0];
    if (action.endOnExit) conversation.settings.endOnExit.add(leg.uuid);
    if (action.record && !conversation.stopRecording) this.recordConversation(leg, conversation, action);
    return this.join(leg, run, conversation, action, action.startOnEnter !== false);
  }

  /** The `transfer` action: into an existing conversation by id. */
  private async transferAction(leg: Leg, action: TransferAction, run: number): Promise<undefined> {
    const conversation = this.engine.conversation(action.conversation_id);
    if (!conversation) throw new Error(`no conversation ${action.conversation_id}`);
    return this.join(leg, run, conversation, action, true);
  }

  private async join(
    leg: Leg,
    run: number,
    conversation: Conversation,
    options: { canHear?: string[]; canSpeak?: string[]; mute?: boolean },
    start: boolean,
  ): Promise<undefined> {
    const engine = this.engine;
    const previous = leg.conversation;
    const member: MemberOptions = {};
    if (options.canHear) member.canHear = options.canHear;
    if (options.canSpeak) member.canSpeak = options.canSpeak;
    if (options.mute) engine.setMuted(leg, true);
    engine.attach(leg, conversation, member);
    if (previous !== conversation) engine.noteTransfer(leg, previous, conversation);
    if (!conversation.started && conversation.settings.musicOnHoldUrl) {
      const url = conversation.settings.musicOnHoldUrl;
      const music = await loadAudio(url).catch((error: Error) => {
        engine.reportError(leg, `musicOnHoldUrl ${url} could not be played: ${error.message}`);
        return null;
      });
      if (music && !conversation.started && conversation.legs.has(leg)) {
        conversation.setHoldPlayback(leg, engine.play(leg, music, { loop: 0 }, { type: 'music', url }));
      }
    }
    if (start) engine.startConversation(conversation);
    const gone = new Promise<void>((resolve) => this.leaving.set(leg, resolve));
    await this.until(leg, run, gone);
    return undefined;
  }

  /** Records a conversation's mix from now until every leg has left it. */
  private recordConversation(leg: Leg, conversation: Conversation, action: ConversationAction): void {
    const hook = hookFrom(action.eventUrl, action.eventMethod) ?? this.engine.eventHook(leg);
    const session = this.startRecording(conversation, DEFAULT_RECORDING_FORMAT, () => undefined);
    conversation.stopRecording = async () => {
      conversation.stopRecording = null;
      const result = await session.stop();
      this.engine.webhooks.event(conversation.id, hook, { ...result, conversation_uuid: conversation.id, timestamp: new Date().toISOString() }, conversation.app);
    };
  }

  /** The `record` action: synchronous when it has an end condition, else until the call ends. */
  private async record(leg: Leg, action: RecordAction, run: number): Promise<undefined> {
    const engine = this.engine;
    const hook = hookFrom(action.eventUrl, action.eventMethod) ?? engine.eventHook(leg);
    const format = action.format ?? DEFAULT_RECORDING_FORMAT;
    if (format === 'ogg') {
      // Reported, not silently recorded in another format: the call goes on without a recording.
      throw new Error('format ogg is not supported by the sandbox (it has no Ogg encoder); use mp3 or wav');
    }
    if (action.beepStart) {
      const playback = engine.play(leg, beep(), {});
      await this.until(leg, run, playback.done);
    }
    if (leg.isOver) return undefined;
    let stopWith: (reason: string) => void = () => undefined;
    const stopped = new Promise<string>((resolve) => (stopWith = resolve));
    let heardSound = false;
    let silentMs = 0;
    const session = this.startRecording(leg.conversation, format, (mix) => {
      if (!action.endOnSilence) return;
      if (rms(mix) < SILENCE_RMS) silentMs += 20;
      else {
        heardSound = true;
        silentMs = 0;
      }
      if (heardSound && silentMs >= action.endOnSilence * 1000) stopWith('silence');
    });
    const previousDigit = leg.onDigit;
    if (action.endOnKey) {
      leg.onDigit = (digit) => {
        if (digit === action.endOnKey) stopWith('key');
        else previousDigit?.(digit);
      };
    }
    const timer = setTimeout(() => stopWith('timeout'), (action.timeOut ?? DEFAULT_RECORD_TIMEOUT_S) * 1000);
    void leg.ended.then(() => stopWith('hangup'));
    const finished = stopped.then(async () => {
      clearTimeout(timer);
      if (action.endOnKey && !leg.isOver) leg.onDigit = previousDigit;
      const result = await session.stop();
      engine.sendLegEvent(leg, result, hook);
    });
    const synchronous = action.endOnSilence !== undefined || action.endOnKey !== undefined || action.timeOut !== undefined;
    if (synchronous) {
      const woken = await this.until(leg, run, finished);
      if (woken.kind === 'interrupted') stopWith('transfer');
    }
    return undefined;
  }

  /** Taps a conversation's mix into an MP3 or WAV file in its application's recordings folder. */
  private startRecording(conversation: Conversation, format: RecordingFormat, onMix: (mix: Int16Array) => void): { stop(): Promise<Record<string, unknown>> } {
    const id = randomUUID();
    const path = this.engine.recordingPath(conversation.app.id, id, format);
    mkdirSync(dirname(path), { recursive: true });
    const writer = format === 'mp3' ? new Mp3Writer(path) : new WavWriter(path);
    const startedAt = new Date();
    const untap = conversation.mixer.tap((mix) => {
      writer.write(mix);
      onMix(mix);
    });
    let done: Promise<Record<string, unknown>> | null = null;
    return {
      stop: () =>
        (done ??= (async () => {
          untap();
          const { bytes } = await writer.close();
          return {
            start_time: startedAt.toISOString(),
            end_time: new Date().toISOString(),
            recording_url: `${this.engine.baseUrl}/v1/files/${id}`,
            recording_uuid: id,
            size: bytes,
            format,
          };
        })()),
    };
  }

  /**
   * Sends the payload to the eventUrl and waits for its answer: an NCCO replaces the rest of
   * the call's NCCO, as Vonage does; no body, a JSON object or a failure lets the call carry
   * on with the next action. Like every URL that may answer with an NCCO, a failure is retried
   * once and then tried at the fallback_answer_url.
   */
  private async notify(leg: Leg, action: NotifyAction, run: number): Promise<NccoAction[] | undefined> {
    return this.nccoFrom(leg, run, hookFrom(action.eventUrl, action.eventMethod), { ...action.payload });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
