/**
 * The audio mixer of one conversation: who hears whom, and what is played to whom.
 *
 * Every 20 ms (one tick of the shared `MediaClock`) it takes one frame from each member (from
 * its jitter queue, or from the endpoint itself for a simulated phone), reads one frame from
 * each playback, and delivers to every member the mix that member may hear, following
 * Vonage's rules: audio flows from A to B iff A ≠ B, A is not muted, B is not earmuffed, A's
 * `canSpeak` (when set) names B and B's `canHear` (when set) names A. Playbacks reach their
 * targets unless earmuffed. A member with nothing to hear still gets a silence frame each
 * tick, so its peer keeps receiving RTP. A member whose endpoint makes its frames on the same
 * clock (a simulated phone, `ClockedEndpoint`) is read each tick; every other member's frames
 * wait in its jitter queue for the next tick.
 *
 * Hot path: buffers are preallocated per member and per playback; a listener who hears
 * exactly one speaker and no playback gets that speaker's µ-law frame as is (no decode or
 * encode, the common two-party case); a speaker's frame is decoded only when some mix
 * needs it; routes are worked out when membership or options change, not every tick; a
 * member's frame (a jitter queue's slot, or a phone's own, its tone shared by every phone) and
 * a mix are in buffers reused every tick, so endpoints use or copy what they are delivered at
 * once and never write to it.
 */
import { CATCH_UP_FRAMES, type MediaClock } from './clock';
import { pullsOn, type ClockedEndpoint, type MediaEndpoint } from './endpoint';
import { FRAME_SAMPLES, MULAW_SILENCE, mulawDecodeAdd, mulawEncodeClipped } from './g711';

/** Produces 20 ms of 8 kHz 16-bit linear audio per read. */
export interface AudioSource {
  /** Fills `out` (160 samples) and returns true; returns false once the source has ended (out is then ignored). */
  read(out: Int16Array): boolean;
}

/** A sound being played by a mixer. */
export interface Playback {
  /** Settles when the playback ends by itself ('finished') or is stopped or its mixer closed ('stopped'). */
  readonly done: Promise<'finished' | 'stopped'>;
  /** Stops it at the next tick boundary. Idempotent. */
  stop(): void;
}

/** Vonage's per-member audio controls (member ids are leg uuids). */
export interface MemberOptions {
  /** Only these members are heard by this one (unset: everyone). */
  canHear?: string[];
  /** Only these members hear this one (unset: everyone). */
  canSpeak?: string[];
  /** Nobody hears this member. */
  muted?: boolean;
  /** This member hears nothing, playbacks included. */
  earmuffed?: boolean;
}

/** Options of `Mixer.play`. */
export interface PlayOptions {
  /** Members who hear it (default: everyone, including members who join later). */
  to?: string[];
  /** Times a clip plays: 0 = until stopped, n = n times (default 1). A source plays until it ends. */
  loop?: number;
  /** Vonage's level, -1..1 (default 0 = unchanged). Linear gain 1 + level: -1 silences, 1 doubles (clipped). */
  level?: number;
}

/**
 * Frames a member's jitter queue holds (240 ms): as many as the media clock catches up after a
 * stall (it goes on catching up while at most `CATCH_UP_FRAMES` behind after a tick, so one
 * stall can end in up to `CATCH_UP_FRAMES` + 2 ticks in a row), so audio that arrived during
 * it is played, not dropped. With 3 frames, every stall past 60 ms overflowed the queues as
 * the late frames arrived together: at 250 calls in test/bench/media-capacity.ts each phone
 * gap was matched by a dropped frame.
 */
export const JITTER_FRAMES = CATCH_UP_FRAMES + 2;
/** Ticks over which a queue's slack is watched before it is trimmed (5 s). */
export const JITTER_TRIM_TICKS = 250;
/** Slack (frames left after a tick) a queue keeps at all times before it drops a frame to cut delay. */
const JITTER_TRIM_SLACK = 2;
/**
 * A large delay (a long stall's) is cut faster: a frame a second (50 ticks) while the queue
 * kept at least 4 frames (80 ms) after every tick, so 200 ms of delay is back under 80 ms in
 * about 7 s rather than 35 s.
 */
export const JITTER_FAST_TRIM_TICKS = 50;
const JITTER_FAST_TRIM_SLACK = 4;
const FRAME_BYTES = FRAME_SAMPLES;
const SILENCE = Buffer.alloc(FRAME_BYTES, MULAW_SILENCE);

/**
 * A member's incoming audio as a byte queue of µ-law: an adaptive jitter buffer of up to
 * `JITTER_FRAMES` frames.
 *
 * Bytes rather than packets, so a peer packetising at 10 or 30 ms still yields one 20 ms
 * frame a tick. A frame plays on the first tick after it arrives; when audio comes late (a
 * stall of the peer, the network or this process) the tick finds nothing, and the late frames
 * then wait in the queue: the delay grows by what the late audio needed, so the next stall
 * of that size is absorbed (as a phone's adaptive jitter buffer grows its playout delay).
 * The delay shrinks again one frame at a time: when the queue kept at least
 * `JITTER_TRIM_SLACK` frames after every tick for `JITTER_TRIM_TICKS` ticks (or
 * `JITTER_FAST_TRIM_SLACK` for `JITTER_FAST_TRIM_TICKS`), the oldest frame is dropped.
 * Beyond the capacity the oldest bytes are dropped.
 */
class JitterQueue {
  /** A Buffer, so `pop` copies out of it with offsets (`copy`) rather than through a `subarray` a frame. */
  private readonly ring = Buffer.alloc(FRAME_BYTES * JITTER_FRAMES);
  private start = 0;
  private size = 0;
  /** Bytes dropped because the queue was full (late consumer or a burst). */
  dropped = 0;
  /** Frames dropped to cut the delay back (`JITTER_TRIM_SLACK`). */
  trimmed = 0;
  /** The fewest bytes left after a tick in this trim window, and the window's ticks so far. */
  private leastLeft = Number.POSITIVE_INFINITY;
  private windowTicks = 0;

  /** Bytes queued. */
  get length(): number {
    return this.size;
  }

  push(frame: Uint8Array): void {
    const capacity = this.ring.length;
    let bytes = frame;
    if (bytes.length > capacity) {
      this.dropped += bytes.length - capacity;
      bytes = bytes.subarray(bytes.length - capacity);
    }
    const overflow = this.size + bytes.length - capacity;
    if (overflow > 0) {
      this.start = (this.start + overflow) % capacity;
      this.size -= overflow;
      this.dropped += overflow;
    }
    const end = (this.start + this.size) % capacity;
    const first = Math.min(bytes.length, capacity - end);
    // Whole frames land whole (the ring holds whole frames): no subarray but at an odd-sized frame's wrap.
    this.ring.set(first === bytes.length ? bytes : bytes.subarray(0, first), end);
    if (first < bytes.length) this.ring.set(bytes.subarray(first), 0);
    this.size += bytes.length;
  }

  /** Drops one 20 ms frame unread (a member nobody hears), keeping the queue in step. */
  skip(): void {
    if (this.size >= FRAME_BYTES) this.dropFrame();
    this.ticked();
  }

  /** Drops the oldest 20 ms frame (the caller checked one is queued). */
  private dropFrame(): void {
    this.start = (this.start + FRAME_BYTES) % this.ring.length;
    this.size -= FRAME_BYTES;
  }

  /** This queue's output frame, reused every tick, for a frame that does not start on a slot (`slots`). */
  private readonly out = Buffer.alloc(FRAME_BYTES);
  /**
   * The ring's whole-frame slots as views, made once. A frame that starts on one (every frame,
   * unless the queue overflowed part-way through a frame) is handed out as that view: no copy.
   * Why: in the media bench's `perf` profile at 100 calls, copying each popped frame out of the
   * ring was ~0.8 µs of each RTP packet (a native call and a copy from a ring written a tick
   * before).
   */
  private readonly slots: Buffer[] = Array.from({ length: JITTER_FRAMES }, (_, i) => this.ring.subarray(i * FRAME_BYTES, (i + 1) * FRAME_BYTES));

  /**
   * Takes the oldest 20 ms frame, or returns null when less than a frame is queued. The frame is
   * the ring's own slot or the queue's output buffer: valid until the next pop, or until pushes
   * fill the queue up to the frame again (the mixer uses it within its tick).
   */
  pop(): Buffer | null {
    if (this.size < FRAME_BYTES) {
      this.ticked();
      return null;
    }
    const capacity = this.ring.length;
    const start = this.start;
    let frame: Buffer;
    if (start % FRAME_BYTES === 0) frame = this.slots[start / FRAME_BYTES]!;
    else {
      // Off a slot only after an overflow dropped part of a frame (a peer's 10 ms, 30 ms or
      // odd-sized packets arriving faster than they are played): the frame may wrap the ring's end.
      frame = this.out;
      const first = Math.min(FRAME_BYTES, capacity - start);
      this.ring.copy(frame, 0, start, start + first);
      if (first < FRAME_BYTES) this.ring.copy(frame, first, 0, FRAME_BYTES - first);
    }
    this.start = (start + FRAME_BYTES) % capacity;
    this.size -= FRAME_BYTES;
    this.ticked();
    return frame;
  }

  /** Ends a tick: watches the slack left and trims a frame of delay at the end of a window that always kept enough of it. */
  private ticked(): void {
    if (this.size < this.leastLeft) this.leastLeft = this.size;
    const ticks = ++this.windowTicks;
    const fast = ticks >= JITTER_FAST_TRIM_TICKS && this.leastLeft >= JITTER_FAST_TRIM_SLACK * FRAME_BYTES;
    if (!fast && ticks < JITTER_TRIM_TICKS) return;
    if (fast || this.leastLeft >= JITTER_TRIM_SLACK * FRAME_BYTES) {
      this.dropFrame();
      this.trimmed++;
    }
    this.leastLeft = Number.POSITIVE_INFINITY;
    this.windowTicks = 0;
  }
}

/** A member, with exactly one of its frames' sources: a jitter queue, or its endpoint read each tick. */
type Member = MemberState & ({ readonly queue: JitterQueue; readonly clocked: null } | { readonly queue: null; readonly clocked: ClockedEndpoint });

interface MemberState {
  readonly id: string;
  readonly endpoint: MediaEndpoint;
  canHear: Set<string> | null;
  canSpeak: Set<string> | null;
  muted: boolean;
  earmuffed: boolean;
  /** This tick's frame, or null when the member sent nothing in time. */
  frame: Buffer | null;
  /** Members whose speech this member hears (worked out by `route`). */
  hears: Member[];
  /** Whether anyone hears this member (worked out by `route`). */
  heard: boolean;
  /**
   * Whether this member owns its endpoint (`owners`): true from its join until its leave, or
   * until another member takes the endpoint over. A field the tick reads, where a WeakMap
   * lookup a member a tick was ~0.2 µs of each RTP packet in the media bench's profile.
   */
  owned: boolean;
}

/** Reads a clip into 20 ms frames, `loop` times (0: for ever); the last frame is padded with silence. */
export class ClipReader implements AudioSource {
  private position = 0;
  private played = 0;
  /** True once the last requested loop has been read out. */
  exhausted = false;

  constructor(private readonly clip: Int16Array, private readonly loop: number) {}

  read(out: Int16Array): boolean {
    if (this.clip.length === 0 || this.exhausted) return false;
    let filled = 0;
    while (filled < out.length) {
      const n = Math.min(out.length - filled, this.clip.length - this.position);
      out.set(this.clip.subarray(this.position, this.position + n), filled);
      filled += n;
      this.position += n;
      if (this.position === this.clip.length) {
        this.position = 0;
        this.played++;
        if (this.loop > 0 && this.played >= this.loop) {
          this.exhausted = true;
          break;
        }
      }
    }
    out.fill(0, filled);
    return true;
  }
}

class ActivePlayback implements Playback {
  readonly done: Promise<'finished' | 'stopped'>;
  readonly samples = new Int16Array(FRAME_SAMPLES);
  /** True when this tick's `samples` hold audio. */
  audible = false;
  ended: 'finished' | 'stopped' | null = null;
  private settle!: (how: 'finished' | 'stopped') => void;

  constructor(
    readonly source: AudioSource,
    readonly to: Set<string> | null,
    readonly gain: number,
    private readonly onEnd: (playback: ActivePlayback) => void,
  ) {
    this.done = new Promise((resolve) => (this.settle = resolve));
  }

  stop(): void {
    this.finish('stopped');
  }

  /** Reads this tick's frame; false once the source has ended. */
  advance(): boolean {
    if (!this.source.read(this.samples)) return false;
    if (this.gain !== 1) {
      const s = this.samples;
      for (let i = 0; i < s.length; i++) {
        const v = Math.round(s[i]! * this.gain);
        s[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
    }
    return true;
  }

  reaches(member: Member): boolean {
    return !member.earmuffed && (this.to === null || this.to.has(member.id));
  }

  finish(how: 'finished' | 'stopped'): void {
    if (this.ended) return;
    this.ended = how;
    this.audible = false;
    this.onEnd(this);
    this.settle(how);
  }
}

/**
 * Which mixer member currently owns each endpoint. Moving a leg between conversations is
 * then safe in either order: joining the new mixer takes the endpoint over at once (the old
 * mixer stops delivering to it and reading it), and leaving the old one no longer detaches it.
 */
const owners = new WeakMap<MediaEndpoint, Member>();

interface Tap {
  listener: (mix: Int16Array) => void;
  speakers: Set<string> | null;
}

/** Mixes the audio of one conversation on the shared media clock. */
export class Mixer {
  private readonly members = new Map<string, Member>();
  /** Members in join order, for allocation-free iteration each tick. */
  private order: Member[] = [];
  private playbacks: ActivePlayback[] = [];
  private readonly taps = new Set<Tap>();
  private readonly acc = new Int32Array(FRAME_SAMPLES);
  /** Mixed frames go out through this one buffer: endpoints use or copy a delivered frame at once (MediaEndpoint.deliver). */
  private readonly mixOut = Buffer.alloc(FRAME_BYTES);
  private routesDirty = true;
  private closed = false;
  private readonly removeTick: () => void;

  constructor(private readonly clock: MediaClock) {
    this.removeTick = clock.add(() => this.tick());
  }

  /**
   * Adds a member: takes over `endpoint.onFrame` and delivers its mix with `endpoint.deliver`.
   * Rejoining replaces; joining with an endpoint another mixer has takes it from that mixer.
   */
  join(id: string, endpoint: MediaEndpoint, options: MemberOptions = {}): void {
    if (this.closed) throw new Error(`mixer is closed; cannot join ${id}`);
    if (this.members.has(id)) this.leave(id);
    const clocked = pullsOn(endpoint, this.clock) ? endpoint : null;
    const state: MemberState = {
      id,
      endpoint,
      canHear: options.canHear ? new Set(options.canHear) : null,
      canSpeak: options.canSpeak ? new Set(options.canSpeak) : null,
      muted: options.muted ?? false,
      earmuffed: options.earmuffed ?? false,
      frame: null,
      hears: [],
      heard: false,
      owned: true,
    };
    // An endpoint that makes its frames on this mixer's clock (a simulated phone) is read with
    // `pull` each tick rather than queued. Why: its frame handed to a listener, copied into a
    // jitter queue and out again in the same tick touched, for nothing, a closure, the queue and
    // its ring that no other work had touched for 20 ms. In the media bench at 100 calls, with
    // the phones queued as before in a window next to the sandbox's in each of 9 rounds (three
    // runs), the clock's ticks took 0.7–2.4 µs a packet more (`MediaClock.busyMs`, medians;
    // more in 7 of 9 rounds in the last run); the whole process's CPU differed by less than its
    // spread from round to round.
    const member: Member = clocked ? { ...state, queue: null, clocked } : { ...state, queue: new JitterQueue(), clocked: null };
    this.members.set(id, member);
    this.order = [...this.members.values()];
    this.routesDirty = true;
    const previous = owners.get(endpoint);
    if (previous) previous.owned = false;
    owners.set(endpoint, member);
    const queue = member.queue;
    // A pulled endpoint hands nothing to a listener; one an earlier mixer set is taken off.
    endpoint.onFrame(queue === null ? null : (frame) => queue.push(frame));
  }

  /** Removes a member and detaches from its endpoint (which stays open), unless another mixer has taken it since. Unknown ids are ignored. */
  leave(id: string): void {
    const member = this.members.get(id);
    if (!member) return;
    if (member.owned) {
      member.owned = false;
      owners.delete(member.endpoint);
      member.endpoint.onFrame(null);
    }
    this.members.delete(id);
    this.order = [...this.members.values()];
    this.routesDirty = true;
  }

  has(id: string): boolean {
    return this.members.has(id);
  }

  /** Changes some of a member's options; a key present with `undefined` clears `canHear`/`canSpeak`. */
  update(id: string, options: Partial<MemberOptions>): void {
    const member = this.members.get(id);
    if (!member) throw new Error(`no member ${id} in this mixer`);
    if (Object.hasOwn(options, 'canHear')) member.canHear = options.canHear ? new Set(options.canHear) : null;
    if (Object.hasOwn(options, 'canSpeak')) member.canSpeak = options.canSpeak ? new Set(options.canSpeak) : null;
    if (options.muted !== undefined) member.muted = options.muted;
    if (options.earmuffed !== undefined) member.earmuffed = options.earmuffed;
    this.routesDirty = true;
  }

  /** Plays a clip or a source to some or all members, from the next tick. */
  play(audio: Int16Array | AudioSource, options: PlayOptions = {}): Playback {
    const loop = options.loop ?? 1;
    if (!Number.isInteger(loop) || loop < 0) throw new Error(`loop must be a whole number ≥ 0, got ${loop}`);
    const level = options.level ?? 0;
    if (!(level >= -1 && level <= 1)) throw new Error(`level must be between -1 and 1, got ${level}`);
    const source = audio instanceof Int16Array ? new ClipReader(audio, loop) : audio;
    const playback = new ActivePlayback(source, options.to ? new Set(options.to) : null, 1 + level, (p) => {
      this.playbacks = this.playbacks.filter((other) => other !== p);
    });
    if (this.closed) playback.stop();
    else this.playbacks = [...this.playbacks, playback];
    return playback;
  }

  /**
   * Calls `listener` every tick with the mix of the named speakers (default: every member's
   * speech plus the playbacks sent to everyone), e.g. for recording. Muted members are not
   * in it. Each call gets a new array. Returns the removal.
   */
  tap(listener: (mix: Int16Array) => void, options: { speakers?: string[] } = {}): () => void {
    const tap: Tap = { listener, speakers: options.speakers ? new Set(options.speakers) : null };
    this.taps.add(tap);
    return () => this.taps.delete(tap);
  }

  /** Audio frames dropped so far from current members' full jitter queues (a sign of bursty or fast peers). */
  get droppedFrames(): number {
    return Math.floor(this.sumQueues((queue) => queue.dropped) / FRAME_BYTES);
  }

  /** Audio waiting in current members' jitter queues now, in 20 ms frames (whole frames; the delay they add). */
  get bufferedFrames(): number {
    return Math.floor(this.sumQueues((queue) => queue.length) / FRAME_BYTES);
  }

  /** Frames current members' jitter queues dropped to cut their delay back after late audio had grown it. */
  get trimmedFrames(): number {
    return this.sumQueues((queue) => queue.trimmed);
  }

  /** One count summed over current members' jitter queues. */
  private sumQueues(count: (queue: JitterQueue) => number): number {
    let sum = 0;
    for (const member of this.order) if (member.queue !== null) sum += count(member.queue);
    return sum;
  }

  /** Stops every playback, detaches every member and leaves the clock. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.removeTick();
    for (const playback of this.playbacks) playback.stop();
    for (const id of [...this.members.keys()]) this.leave(id);
    this.taps.clear();
  }

  /** Who hears whom, worked out again after a change of membership or options. */
  private route(): void {
    for (const listener of this.order) {
      listener.hears = this.order.filter((speaker) => flows(speaker, listener));
    }
    for (const speaker of this.order) speaker.heard = this.order.some((listener) => listener.hears.includes(speaker));
    this.routesDirty = false;
  }

  /** One frame period of the conversation. */
  private tick(): void {
    if (this.routesDirty) this.route();
    const members = this.order;
    const tapped = this.taps.size > 0;
    // Indexed loops on this path (tick and deliverMix): `for…of` here allocated an iterator result
    // per step in the media bench's heap profile. Each reads `length` per step, as `for…of` does.
    for (let m = 0; m < members.length; m++) {
      const member = members[m]!;
      const clocked = member.clocked;
      if (clocked !== null) {
        // Read every tick while this mixer owns it, heard or not, as a listener would be handed
        // every frame (the phone counts it sent); a frame nobody hears is dropped.
        const frame = member.owned ? clocked.pull() : null;
        member.frame = member.heard || tapped ? frame : null;
      } else if (member.heard || tapped) member.frame = member.queue.pop();
      else {
        member.queue.skip();
        member.frame = null;
      }
    }
    const playbacks = this.playbacks;
    for (let p = 0; p < playbacks.length; p++) {
      const playback = playbacks[p]!;
      playback.audible = playback.advance();
      if (!playback.audible) playback.finish('finished');
    }
    for (let m = 0; m < members.length; m++) if (members[m]!.owned) this.deliverMix(members[m]!, playbacks);
    if (tapped) this.feedTaps(members, playbacks);
    // A clip that ran out during this tick was heard in full: report it now, not a tick late.
    for (const playback of playbacks) if (playback.source instanceof ClipReader && playback.source.exhausted) playback.finish('finished');
  }

  private deliverMix(listener: Member, playbacks: ActivePlayback[]): void {
    let single: Buffer | null = null;
    let sources = 0;
    const hears = listener.hears;
    for (let h = 0; h < hears.length; h++) {
      const frame = hears[h]!.frame;
      if (frame) {
        single = frame;
        sources++;
      }
    }
    let playing = 0;
    for (let p = 0; p < playbacks.length; p++) if (playbacks[p]!.audible && playbacks[p]!.reaches(listener)) playing++;
    if (sources === 0 && playing === 0) {
      listener.endpoint.deliver(SILENCE);
      return;
    }
    if (sources === 1 && playing === 0) {
      listener.endpoint.deliver(single!);
      return;
    }
    const acc = this.acc;
    acc.fill(0);
    for (const speaker of listener.hears) if (speaker.frame) mulawDecodeAdd(speaker.frame, acc);
    for (const playback of playbacks) {
      if (!playback.audible || !playback.reaches(listener)) continue;
      const samples = playback.samples;
      for (let i = 0; i < FRAME_SAMPLES; i++) acc[i]! += samples[i]!;
    }
    const out = this.mixOut;
    mulawEncodeClipped(acc, out);
    listener.endpoint.deliver(out);
  }

  private feedTaps(members: Member[], playbacks: ActivePlayback[]): void {
    for (const tap of this.taps) {
      const acc = this.acc;
      acc.fill(0);
      for (const member of members) {
        if (member.muted || !member.frame || (tap.speakers && !tap.speakers.has(member.id))) continue;
        mulawDecodeAdd(member.frame, acc);
      }
      if (!tap.speakers) {
        for (const playback of playbacks) {
          if (!playback.audible || playback.to) continue;
          const samples = playback.samples;
          for (let i = 0; i < FRAME_SAMPLES; i++) acc[i]! += samples[i]!;
        }
      }
      const mix = new Int16Array(FRAME_SAMPLES);
      for (let i = 0; i < FRAME_SAMPLES; i++) {
        const s = acc[i]!;
        mix[i] = s > 32767 ? 32767 : s < -32768 ? -32768 : s;
      }
      tap.listener(mix);
    }
  }
}

/** Vonage's rule: does A's speech reach B? */
function flows(a: Member, b: Member): boolean {
  return (
    a !== b &&
    !a.muted &&
    !b.earmuffed &&
    (a.canSpeak === null || a.canSpeak.has(b.id)) &&
    (b.canHear === null || b.canHear.has(a.id))
  );
}
