/**
 * Media capacity: how many concurrent two-party calls with live audio the sandbox's media
 * layer carries before receivers see more than 1 % packet loss, the phones more than 1 % gaps,
 * or 30 ms of jitter. Run alone with
 * `npx tsx --initial-old-space-size=256 test/bench/media-capacity.ts [10,25,50,...]` (Heap,
 * below); `runMediaBench()` is exported for test/bench/run.ts. Prints tables; asserts nothing.
 *
 * Method:
 * - Each call is what the engine builds for a phone answered by an agent: one `Mixer` on
 *   the shared `MediaClock` with a `PhoneEndpoint` (its 425 Hz voice) and a
 *   `WebRtcEndpoint` (werift, G.711, DTLS-SRTP over loopback UDP).
 * - The agents' side is a separate Node process (this file, forked) holding one werift
 *   peer per call that answers the sandbox's offer and sends a 700 Hz tone every 20 ms on
 *   its own clock — so the sandbox process's CPU is the sandbox's alone, as it would be
 *   with agents on their own PCs. Its RTP goes through `RtpFastPath` (srtp-path.ts) both
 *   ways: agents stand for browsers, whose media costs them native code, and on two cores
 *   the agents' process must leave the sandbox its share.
 * - Calls are added step by step. At each step, after a 2 s settle, a window (default
 *   10 s) measures at every receiver: at each agent peer, RTP loss from sequence numbers
 *   and RFC 3550 interarrival jitter (J += (|D| − J)/16, D from arrival times against RTP
 *   timestamps); at each phone, frames missing against the clock's frame periods in the
 *   window (those it ran, and those it skipped when more than 200 ms behind: audio lost; a
 *   frame still being caught up as the window closes is late, not lost, and counts in the
 *   next window, its lateness in the jitter and late ticks) and the same jitter over frame
 *   arrival times, plus "gaps" (frames with no agent audio because it
 *   was not there in time: what a caller hears as drop-outs). The mixer's jitter queue
 *   plays a frame on the first tick after it arrives and grows its delay only by what late
 *   audio needed, then trims it back (mixer.ts); the delay it added is shown ("queue ms":
 *   audio left waiting in the queues after each tick, mean per call, both members' queues
 *   summed: the phone's is always empty then, its frame is played in the tick it is sent, so
 *   this is the agent's audio), with the frames the queues dropped when full and trimmed. Jitter is each receiver's
 *   running estimate averaged over the window, then averaged over receivers (max shown).
 * - CPU: process.cpuUsage() of the sandbox process over the window, as % of one core and
 *   as CPU ms per call per second of audio; the agents' process CPU is shown beside it.
 *   Late ticks: frames the media clock had to catch up on during the window; longest tick:
 *   the longest one clock tick ran (all calls' mixers and phones back to back, and the
 *   queue sampler, a sum over the calls: the burst the clock itself makes); GC: the sandbox process's garbage-collection pauses in the window,
 *   summed and the longest (perf_hooks 'gc' entries); loop delay: the longest the event loop
 *   was blocked (perf_hooks, 5 ms resolution).
 * - A step that misses the bar is measured once more (the machine may be shared with other
 *   work, whose stalls show as "loop delay"); the steps stop at the first that misses twice.
 *
 * Per-packet cost against the floor (at `costCalls` calls, default 100; `costRounds` rounds,
 * default 5, of `costSeconds` each, default 5): each round measures, one after the other,
 * - the floor: in a third process (forked, idle otherwise), as many G.711 streams as calls,
 *   each sending one 172-byte RTP packet every 20 ms on a `MediaClock`, SRTP-protected (the
 *   profile the calls negotiated, fresh random keys), sent from one loopback UDP socket to
 *   another (each made as the sandbox's media socket is, udp-mux.ts's `bindMediaSocket`: a
 *   send to an IP address goes out inside `send`) and authenticated and decrypted there: the
 *   cheapest one SRTP packet can be sent and received in Node, with no WebRTC pipeline. Five
 *   times a round: werift's `SrtpSession` as werift ships it (Buffer keys, which Node 24
 *   imports again on every cipher); the same with its keys as KeyObjects (`useKeyObjects`);
 *   the hand-written SRTP of srtp.ts, as the sandbox's fast path now runs; and srtp.ts again
 *   with one socket per stream, each sending to the next
 *   (werift's shape, one ICE socket per leg: one readiness event and one `message` callback
 *   per datagram, where one busy socket is drained many datagrams a wake-up); once more
 *   with one socket per stream whose packets come from a peer process (forked by the floor;
 *   all streams on the peer's one clock, as the agents' process sends; the peer's CPU is not
 *   counted): a packet from another process wakes this one, where in
 *   the other rows the process sends to itself and is awake already; and with every stream on
 *   one socket, the peer in another process: the sandbox's shape, whose legs share one media
 *   socket (udp-mux.ts; `MEDIA_MUX=0` gives each leg werift's own). The ratio is
 *   against the cheaper of the two one-socket-pair SRTP rows, so a faster SRTP lowers the
 *   floor as much as the sandbox; the per-socket and peer-process rows show what the socket
 *   fan-out and a peer in another process cost, and the sandbox's ratio to the peer-process
 *   row of its shape is printed below the table. A column shows each row's kernel (system) CPU
 *   (getrusage's: Linux splits a process's time into user and system by sampling at its tick, so
 *   a difference of a few µs between rows there is within that rounding; `perf`, below, counts it);
 * - the sandbox: its process's CPU over the same length of time, per RTP packet it sent
 *   (each call sends one and receives one a frame, as each floor packet is sent and
 *   received once, so both costs cover one encryption, one send, one receive and one
 *   decryption per packet; the sandbox's also covers the mixer, the phone and the clock);
 * - the sandbox's legs alone: the same calls with their mixers and phones taken out, each
 *   agent's last frame sent back to it on the clock, so the process runs its WebRTC legs (the
 *   fast path, werift's ICE, the clock) and nothing else: the sandbox's row less this one is
 *   what the mixer and the simulated phone cost;
 * - the sandbox with its phones' frames going through the mixers' jitter queues, as before
 *   mixers read a phone on their clock each tick (`queuedPhone`: each phone joined behind a view
 *   that hides its clock), always next to the sandbox's window: what reading them saves;
 * - the floor's code carrying the same calls (`floorCodeLegs`): mixers and phones out as above,
 *   and the legs' per-packet code too: each agent's SRTP packet is taken off the media socket
 *   and decrypted, and the last frame sent back encrypted on the clock, by the floor's own code
 *   (srtp.ts with each leg's keys and counters, one `send` a packet), while the rest of the
 *   process runs as it does (the calls' consent checks both ways, the agents' SRTCP, werift's
 *   timers, the heap), its peers the same agents. The legs-alone row less this one is what the
 *   legs' per-packet code costs (the mux's routing, the fast path's checks, RTCP statistics and
 *   reports, the endpoint); this
 *   one less the floor is what carrying these calls in this process costs besides that code. A
 *   line below the table splits the sandbox's µs over the floor that way;
 * - once, before any call is set up, the mixers' and phones' code alone
 *   (`mixersAndPhonesAlone`): as many two-party calls, a test double in each agent's place, on a
 *   manual clock ticked back to back, then again with the CPU's caches cleared before each
 *   frame. Beside the sandbox's row less the legs-alone row (what the same code adds in the
 *   running process; the phones tick in both windows) it shows how far their instructions are
 *   from what they add there, and how much of that their state's coming from memory explains
 *   (touched once every 20 ms between the network path's work, it is no longer in the caches);
 *   the running process also differs in its call sites' types and in the timers and garbage
 *   collection around them;
 * - in each of the sandbox's, the queued phones', the legs-alone and the floor's-code windows,
 *   the time the media clock's handlers ran (`MediaClock.busyMs`): the sandbox's ticks less the
 *   legs-alone ticks are the mixers' share read inside the ticks, and the phones' hearing (they
 *   make their frames in both windows), steadier than the difference of two windows' whole CPU;
 * - the sandbox with no audio flowing: its clock stopped and the agents silent for as long,
 *   the calls still connected, its CPU per packet of the running rate (50 a call a second):
 *   what the legs cost besides RTP (ICE consent checks every ~5 s each way, RFC 7675: the
 *   legs' own and the answers to the peer's by consent.ts; werift's timers), which is part
 *   of the sandbox's row and none of the floor's. With no audio the process sleeps between
 *   those datagrams, and waking it costs as much as the checks' own code: an upper bound of
 *   what they add while audio keeps it awake;
 * - the floor's hand-written row again, inside the sandbox's process while its calls are idle
 *   (right after the window above): the sandbox's process (werift's heap of peer connections,
 *   their timers) against a process of its own, for one SRTP packet, the idle calls' own cost
 *   included (small once the process is awake: the row above is an upper bound). When it reads
 *   as the floor, what the sandbox's packets cost beyond the floor is its legs' own code.
 *   Rounds alternate, so load from other work on the machine falls on both alike (the
 *   sandbox's, the legs-alone and the floor's-code windows run in reverse order every other
 *   round); the table shows the median and spread (min–max) over rounds and the ratio of the
 *   medians, and a line below it each round's sandbox window over that round's floor window
 *   (median, min–max): on a shared virtual machine one 5 s window can read a third above or
 *   below the next, so one round's ratio says little, and a ratio of medians near a bar needs
 *   more rounds (`MEDIA_COST_ROUNDS`).
 *
 * CPU by function with `perf` (CPU time of every thread, native and kernel code included, where
 * V8's sampler below counts wall time: a thread preempted inside `send` counts there): run with
 * `NODE_OPTIONS=--perf-basic-prof-only-functions` (V8 writes /tmp/perf-<pid>.map, which names
 * JIT-compiled JavaScript) and `perf record -a -F 1999 -- sleep 100` beside it, then
 * `perf script -F pid,time,ip,sym,dso` and cut the samples by process and second: each window is
 * told apart by which process is busy (the floor's only in its windows, its peer only in the peer
 * rows). Samples ÷ 1999 ÷ packets a second is µs a packet, and matches the table's rows.
 *
 * Profile: with `MEDIA_PROFILE_DIR=dir`, each measuring window of the sandbox process is
 * profiled (V8 sampling, 0.5 ms) into `dir`, with a sampled allocation profile beside it
 * (`.heapprofile`, V8's sampling heap profiler, one sample per 32 KiB on average, objects
 * already collected included); `npx tsx test/bench/profile-summary.ts dir/*` prints self time
 * by function and by file, and bytes allocated by function and caller. For GC itself, run
 * the sandbox process as
 * `node --initial-old-space-size=256 --trace-gc --import tsx test/bench/media-capacity.ts …`
 * (the forked agents and floor processes inherit the heap flag, `HEAP_FLAGS`, but not
 * `--trace-gc`; NODE_OPTIONS refuses both).
 *
 * Heap: run on its own as `npm run bench` runs it, `npx tsx --initial-old-space-size=256
 * test/bench/media-capacity.ts`: the platform's V8 heap sizing (docs/ARCHITECTURE.md, "The
 * process's heap"), which the forked processes inherit. Without the flag the sandbox runs on
 * V8's default sizing, a full mark-compact every few seconds, and the table's header says so.
 *
 * The machine is shared: the load average is printed with each table, and rows measured
 * above a load of ~1.5 on two cores vary more with the other work than with the code (a step
 * met at load 2.6 missed at load 5 with the same code); compare builds back to back.
 *
 * Speech: time to synthesise a 100-character sentence (cold: worker and WASM start; warm:
 * median of 5 different sentences, so the cache is not hit; cached: a repeat).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { RemoteInfo, Socket } from 'node:dgram';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { Session } from 'node:inspector/promises';
import { mkdir, writeFile } from 'node:fs/promises';
import { keyLength, RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, saltLength, SrtpSession } from 'werift';
import { MediaClock } from '../../sandbox/media/clock';
import type { MediaCounters, MediaEndpoint } from '../../sandbox/media/endpoint';
import { Mixer } from '../../sandbox/media/mixer';
import { PhoneEndpoint } from '../../sandbox/media/phone-endpoint';
import { WebRtcEndpoint } from '../../sandbox/media/webrtc-endpoint';
import { bindMediaSocket, UdpMux } from '../../sandbox/media/udp-mux';
import { isSrtp, RtpFastPath, useKeyObjects } from '../../sandbox/media/srtp-path';
import { SrtpReceiver, SrtpSender, type SrtpSessionKeys } from '../../sandbox/media/srtp';
import { FRAME_SAMPLES, mulawEncode } from '../../sandbox/media/g711';
import { synthesize } from '../../sandbox/media/speech';
import { summarize } from './table';

const LOSS_BAR_PCT = 1;
const JITTER_BAR_MS = 30;
/** Drop-outs a caller hears (phone gaps) count against the bar as loss does. */
const GAP_BAR_PCT = 1;
const DEFAULT_STEPS = [10, 25, 50, 100, 150, 200, 250, 300];

/** Options of `runMediaBench`. */
export interface MediaBenchOptions {
  /** Concurrent-call counts to try, ascending. */
  steps?: number[];
  /** Length of each measurement window. */
  windowSeconds?: number;
  /** Where the tables go (default console.log). */
  print?: (line: string) => void;
  /** Calls at which per-packet cost is measured against the floor (default 100; 0: not measured). */
  costCalls?: number;
  /** Rounds of the per-packet comparison (default 5). */
  costRounds?: number;
  /** Length of each floor and sandbox window in those rounds (default 5). */
  costSeconds?: number;
  /** Also time speech synthesis (default true). */
  speech?: boolean;
  /** The sandbox legs' RTP fast path (default true; false: werift's whole pipeline, to compare). */
  fastPath?: boolean;
  /** Every leg's media on one UDP socket, as the sandbox runs them (default true; `MEDIA_MUX=0`: a socket per leg, werift's own). */
  mux?: boolean;
}

/** Per-packet CPU of the sandbox against the SRTP+UDP floor, medians over rounds. */
export interface PacketCost {
  calls: number;
  /** werift's protection profile number (1: AES_CM_128_HMAC_SHA1_80, 7: AEAD_AES_128_GCM). */
  profile: number;
  /** The floor the ratio is against: the cheaper of `floorKeyObjectsUs` and `floorHandWrittenUs`. */
  floorUs: { median: number; min: number; max: number };
  /** werift's SrtpSession as shipped (Buffer keys, imported again per packet), one socket pair. */
  floorShippedUs: { median: number; min: number; max: number };
  /** werift's SrtpSession with its keys as KeyObjects (`useKeyObjects`), one socket pair. */
  floorKeyObjectsUs: { median: number; min: number; max: number };
  /** srtp.ts (as the sandbox's fast path runs), one socket pair. */
  floorHandWrittenUs: { median: number; min: number; max: number };
  /** srtp.ts with one socket per stream, each sending to the next (werift's shape: one ICE socket per leg). */
  floorSocketPerStreamUs: { median: number; min: number; max: number };
  /** srtp.ts with one socket per stream and the peer sending back from another process (as each call's peer does). */
  floorPeerProcessUs: { median: number; min: number; max: number };
  /** srtp.ts with every stream on one socket and the peer in another process (the sandbox's shape: one media socket, udp-mux.ts). */
  floorPeerOneSocketUs: { median: number; min: number; max: number };
  sandboxUs: { median: number; min: number; max: number };
  /**
   * The sandbox with every call connected and no audio flowing (its clock stopped, the agents
   * silent), per packet of the running rate (50 a call a second): what the legs cost besides RTP
   * (ICE consent checks, werift's timers). Part of `sandboxUs`.
   */
  sandboxNoAudioUs: { median: number; min: number; max: number };
  /**
   * The same calls with their mixers and phones taken out: each agent's last frame is sent back
   * to it on the clock (`legsAlone`), so the sandbox runs its WebRTC legs (fast path, werift's
   * ICE, the clock) and nothing else. `sandboxUs` less this is what the mixer and the phone cost.
   */
  sandboxLegsAloneUs: { median: number; min: number; max: number };
  /**
   * The same calls with each phone joined to its mixer behind a view that hides its clock
   * (`queuedPhone`), so the mixer queues the frames the phone hands its listener, as it did
   * before it read phones on its clock: beside `sandboxUs`, in the same rounds, what reading
   * them each tick saves (the view's one more call a frame, its `deliver`, counts against it).
   */
  sandboxQueuedPhonesUs: { median: number; min: number; max: number };
  /** Each round's queued-phones window less its sandbox window (whole CPU, µs a packet): median and spread; and in how many rounds the sandbox's was the cheaper. */
  queuedPhonesSaving: { median: number; min: number; max: number };
  queuedPhonesCheaperRounds: number;
  /** The same for the time in the clock's ticks (`tickUs`). */
  queuedPhonesTickSaving: { median: number; min: number; max: number };
  queuedPhonesTickCheaperRounds: number;
  /**
   * The same calls carried by the floor's code in the sandbox's process (`floorCodeLegs`): their
   * agents' SRTP decrypted and the last frame sent back encrypted, with srtp.ts and the legs' own
   * keys, straight on the media socket, none of the legs' per-packet code running; the process,
   * its peers in the agents' process and its calls' consent checks and timers as they are.
   * `sandboxLegsAloneUs` less this is what the legs' per-packet code costs; this less `floorUs`
   * is what carrying the calls in this process costs besides it. Null: not measured (the legs'
   * fields were not as expected).
   */
  sandboxFloorCodeUs: { median: number; min: number; max: number } | null;
  /**
   * The mixers' and phones' code alone (`mixersAndPhonesAlone`): as many calls as the rounds ran,
   * on a manual clock ticked back to back, CPU µs a call a frame (one packet each way a frame).
   * Beside `sandboxUs` less `sandboxLegsAloneUs`, what the same code adds in the running
   * process (the phones tick in both of those windows).
   */
  mixersAndPhonesAloneUs: number;
  /** The same with the CPU's caches cleared before each frame: wall µs a call a frame. */
  mixersAndPhonesColdUs: number;
  /**
   * Of the sandbox's, the queued phones', the legs-alone and the floor's-code windows, the time
   * the media clock's handlers ran (`MediaClock.busyMs`: wall time, µs a packet, medians): the
   * mixers, phones and the legs' sends each tick, not the packets received between ticks. The
   * sandbox's less the legs alone's is the mixers' share and the phones' hearing (the phones
   * make their frames in both), read inside the ticks themselves rather than as a difference of
   * two windows' whole CPU (which carries every other cost's noise).
   */
  tickUs: { sandbox: number; queuedPhones: number; legsAlone: number; floorCode: number | null };
  /**
   * The hand-written floor (one socket pair) run inside the sandbox's process beside its calls
   * with no audio flowing (`handWrittenFloor`), per floor packet, the calls' own idle cost
   * (`sandboxNoAudioUs`) included: whether the sandbox's process (its heap of peer connections,
   * their timers) makes one SRTP packet dearer, apart from what its legs' code does.
   */
  floorInProcessUs: { median: number; min: number; max: number };
  /** Of each row's CPU, the kernel's (process.cpuUsage().system: the system calls, UDP and loopback delivery), medians. */
  systemUs: Record<FloorMode | 'sandbox' | 'queuedPhones' | 'legsAlone' | 'floorCode' | 'noAudio' | 'inProcess', number>;
  /** sandbox median / floor median. */
  ratio: number;
  /** sandbox median / the median of the peer-process floor of the sandbox's shape (one socket, or one a leg with `MEDIA_MUX=0`). */
  ratioPeerProcess: number;
  /**
   * Each round's sandbox window divided by the same round's window of the floor mode `floorUs`
   * uses: median and spread. The spread says how far one round's reading may be from another's
   * on this machine, which `ratio` alone hides.
   */
  roundRatio: { median: number; min: number; max: number };
  rounds: number;
}

/** One step's measurements. */
export interface CapacityRow {
  calls: number;
  agentLossPct: number;
  agentJitterMs: number;
  agentJitterMaxMs: number;
  phoneLossPct: number;
  phoneJitterMs: number;
  phoneGapPct: number;
  cpuPct: number;
  cpuMsPerCallSecond: number;
  agentsCpuPct: number;
  lateTicks: number;
  /** The longest one clock tick ran (every call's mixer and phone, back to back), ms. */
  longestTickMs: number;
  /** Garbage-collection pauses of the sandbox process in the window: total and longest, ms. */
  gcMs: number;
  gcMaxMs: number;
  /** Longest the event loop was blocked during the window. */
  loopDelayMaxMs: number;
  /** Audio left waiting in the mixers' jitter queues after each tick (the delay they added), per call, mean over the window, ms. */
  queueMs: number;
  /** Frames the mixers' jitter queues dropped in the window: when full, and to cut delay back. */
  droppedFrames: number;
  trimmedFrames: number;
  /** Calls whose WebRTC leg never connected. */
  unconnected: number;
  ok: boolean;
}

/** What the bench found. */
export interface MediaBenchResult {
  rows: CapacityRow[];
  /** The most calls that met the bar (0 if none did). */
  maxCalls: number;
  /** CPU per call at that step, ms per second of audio. */
  cpuMsPerCallSecond: number;
  speech: { coldMs: number; warmMs: number; cachedMs: number; audioSeconds: number } | null;
  /** Null when not measured (the cost step was not reached). */
  cost: PacketCost | null;
}

/** RFC 3550 interarrival jitter and loss for one RTP receiver. */
class ReceiverStats {
  private jitter = 0;
  private lastTransit: number | null = null;
  private jitterSum = 0;
  private samples = 0;
  private maxJitter = 0;
  private received = 0;
  private firstSeq: number | null = null;
  private highestSeq = 0;

  /** The RTP timestamp extended past 2^32 (a leg's random start may be just below it), and the last one as sent. */
  private extendedTimestamp: number | null = null;
  private lastTimestamp = 0;

  /** `timestamp` in 8 kHz units (32-bit, may wrap); `seq` extended (no wrap) by the caller. */
  packet(seq: number, timestamp: number, arrivalMs: number): void {
    // The signed 32-bit step from the last timestamp, so a wrap is a step of +160, not −2^32.
    const extended = this.extendedTimestamp === null ? timestamp : this.extendedTimestamp + ((timestamp - this.lastTimestamp) | 0);
    this.extendedTimestamp = extended;
    this.lastTimestamp = timestamp;
    const transit = arrivalMs * 8 - extended;
    if (this.lastTransit !== null) {
      const d = Math.abs(transit - this.lastTransit);
      this.jitter += (d - this.jitter) / 16;
      this.jitterSum += this.jitter;
      this.samples++;
      this.maxJitter = Math.max(this.maxJitter, this.jitter);
    }
    this.lastTransit = transit;
    if (this.firstSeq === null) this.firstSeq = seq;
    this.highestSeq = Math.max(this.highestSeq, seq);
    this.received++;
  }

  /** Starts a new window (the jitter estimate carries on, its average restarts). */
  reset(): void {
    this.jitterSum = 0;
    this.samples = 0;
    this.maxJitter = 0;
    this.received = 0;
    this.firstSeq = null;
  }

  /** A new stream from the next packet: a pause in it (no audio for a while) is not a transit jump. */
  restart(): void {
    this.lastTransit = null;
    this.extendedTimestamp = null;
  }

  report(): { expected: number; received: number; jitterMs: number; maxJitterMs: number } {
    const expected = this.firstSeq === null ? 0 : this.highestSeq - this.firstSeq + 1;
    return { expected, received: this.received, jitterMs: this.samples ? this.jitterSum / this.samples / 8 : 0, maxJitterMs: this.maxJitter / 8 };
  }
}

/** Extends 16-bit sequence numbers across wrap-around. */
class SequenceExtender {
  private cycles = 0;
  private last: number | null = null;

  extend(seq: number): number {
    if (this.last !== null && seq < 0x1000 && this.last > 0xf000) this.cycles += 0x10000;
    this.last = seq;
    return this.cycles + seq;
  }
}

// ---------------------------------------------------------------- the agents' process

type ToAgents = { type: 'offer'; id: number; sdp: string } | { type: 'silent'; silent: boolean } | { type: 'reset' } | { type: 'report' } | { type: 'close' };
type FromAgents =
  | { type: 'answer'; id: number; sdp: string }
  | { type: 'failed'; id: number; error: string }
  | { type: 'report'; expected: number; received: number; jitterMs: number; maxJitterMs: number; cpuPct: number };

function toneFrame(hz: number): Buffer {
  const samples = new Int16Array(FRAME_SAMPLES);
  for (let i = 0; i < FRAME_SAMPLES; i++) samples[i] = Math.round(Math.sin((2 * Math.PI * hz * i) / 8000) * 6000);
  return mulawEncode(samples);
}

interface Agent {
  pc: RTCPeerConnection;
  stats: ReceiverStats;
  /** RTP both ways through the sandbox's own fast path: the agents stand for browsers, whose media is native code, so their process should cost little. */
  rtp: RtpFastPath | null;
  sequence: number;
  timestamp: number;
}

async function runAgents(): Promise<void> {
  const agents: Agent[] = [];
  const clock = new MediaClock();
  const frame = toneFrame(700); // 14 whole cycles a frame: repeats seamlessly
  let cpuStart = process.cpuUsage();
  let wallStart = performance.now();
  let silent = false;
  clock.add(() => {
    if (silent) return;
    for (const agent of agents) {
      if (!agent.rtp) continue;
      agent.rtp.send(frame, agent.sequence, agent.timestamp >>> 0);
      agent.sequence = (agent.sequence + 1) & 0xffff;
      agent.timestamp = (agent.timestamp + FRAME_SAMPLES) >>> 0;
    }
  });
  const send = (message: FromAgents) => process.send!(message);
  process.on('message', async (message: ToAgents) => {
    if (message.type === 'offer') {
      try {
        const pc = new RTCPeerConnection({
          codecs: { audio: [new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 })] },
          iceUseIpv6: false,
          iceAdditionalHostAddresses: ['127.0.0.1'],
          iceFilterCandidatePair: (pair) => pair.localCandidate.host === '127.0.0.1',
        });
        const stats = new ReceiverStats();
        const extender = new SequenceExtender();
        await pc.setRemoteDescription({ type: 'offer', sdp: message.sdp });
        const transceiver = pc.getTransceivers()[0]!;
        transceiver.setDirection('sendrecv');
        const agent: Agent = { pc, stats, rtp: null, sequence: 0, timestamp: 0 };
        pc.connectionStateChange.subscribe((state) => {
          agent.rtp?.detach();
          agent.rtp = null;
          if (state !== 'connected') return;
          agent.rtp = RtpFastPath.attach(transceiver.dtlsTransport, transceiver.sender.ssrc, (_payload, packet) =>
            stats.packet(extender.extend(packet.readUInt16BE(2)), packet.readUInt32BE(4), performance.now()),
          );
          if (!agent.rtp) console.error(`agent ${message.id}: the RTP fast path did not attach; this agent sends nothing`);
        });
        await pc.setLocalDescription(await pc.createAnswer());
        if (pc.iceGatheringState !== 'complete') {
          await new Promise<void>((resolve) => {
            const sub = pc.iceGatheringStateChange.subscribe((state) => {
              if (state !== 'complete') return;
              sub.unSubscribe();
              resolve();
            });
          });
        }
        agents.push(agent);
        send({ type: 'answer', id: message.id, sdp: pc.localDescription!.sdp });
      } catch (error) {
        send({ type: 'failed', id: message.id, error: (error as Error).message });
      }
    } else if (message.type === 'silent') {
      silent = message.silent;
    } else if (message.type === 'reset') {
      for (const agent of agents) agent.stats.reset();
      cpuStart = process.cpuUsage();
      wallStart = performance.now();
    } else if (message.type === 'report') {
      const cpu = process.cpuUsage(cpuStart);
      const totals = agents.map((agent) => agent.stats.report());
      send({
        type: 'report',
        expected: totals.reduce((s, t) => s + t.expected, 0),
        received: totals.reduce((s, t) => s + t.received, 0),
        jitterMs: totals.reduce((s, t) => s + t.jitterMs, 0) / Math.max(1, totals.length),
        maxJitterMs: Math.max(0, ...totals.map((t) => t.maxJitterMs)),
        cpuPct: ((cpu.user + cpu.system) / 1000 / (performance.now() - wallStart)) * 100,
      });
    } else if (message.type === 'close') {
      clock.stop();
      await Promise.all(agents.map((agent) => agent.pc.close().catch(() => undefined)));
      process.exit(0);
    }
  });
}

// ---------------------------------------------------------------- the floor's process

/**
 * How the floor protects and carries its packets: werift's `SrtpSession` as shipped or with
 * KeyObject keys, between one pair of sockets; the hand-written SRTP of srtp.ts (as the
 * sandbox now runs) between one pair of sockets; the same with one socket per stream, each
 * sending to the next, as the sandbox has one ICE socket per leg; or one socket per stream
 * receiving from a peer process (`runFloorPeer`), as the sandbox receives from the agents'.
 */
type FloorMode = 'shipped' | 'keyObjects' | 'handWritten' | 'socketPerStream' | 'peerProcess' | 'peerOneSocket';
const FLOOR_MODES: FloorMode[] = ['shipped', 'keyObjects', 'handWritten', 'socketPerStream', 'peerProcess', 'peerOneSocket'];
type ToFloor = { type: 'run'; streams: number; seconds: number; profile: number; mode: FloorMode } | { type: 'close' };
type FromFloor = { type: 'floor'; usPerPacket: number; systemUsPerPacket: number; packets: number; failed: number };

/** SRTP session keys across IPC (Buffers as base64). */
type WireKeys = { profile: number; key: string; salt: string; authKey: string };
type ToFloorPeer = { type: 'start'; ports: number[]; keys: WireKeys } | { type: 'stop' } | { type: 'close' };
type FromFloorPeer = { type: 'ready'; ports: number[] } | { type: 'stopped' };

/**
 * The floor's peer process (`peerProcess` rows): one socket per stream, each sending one
 * SRTP-protected G.711 packet every 20 ms to the floor's socket of that stream, all on this
 * process's one clock, as the agents' process sends to the sandbox. What it receives is
 * drained unread: its CPU is not measured. It exits with the floor (IPC disconnect).
 */
async function runFloorPeer(): Promise<void> {
  const payload = toneFrame(700);
  let sockets: Socket[] = [];
  let clock: MediaClock | null = null;
  const send = (message: FromFloorPeer) => process.send!(message);
  process.on('message', async (message: ToFloorPeer) => {
    if (message.type === 'close') process.exit(0);
    if (message.type === 'stop') {
      clock?.stop();
      clock = null;
      for (const socket of sockets) socket.close();
      sockets = [];
      send({ type: 'stopped' });
      return;
    }
    const { ports, keys } = message;
    sockets = await boundSockets(ports.length);
    for (const socket of sockets) socket.on('message', () => undefined);
    const wire = { profile: keys.profile, key: Buffer.from(keys.key, 'base64'), salt: Buffer.from(keys.salt, 'base64'), authKey: Buffer.from(keys.authKey, 'base64') };
    const senders = ports.map((_, i) => new SrtpSender(wire, 0x10000 + i));
    let seq = 0;
    clock = new MediaClock();
    clock.add(() => {
      seq = (seq + 1) & 0xffff;
      sendStreams(sockets, senders, ports, payload, seq);
    });
    send({ type: 'ready', ports: sockets.map((socket) => socket.address().port) });
  });
}

/** The floor's side of its peer process, forked on first use. */
class FloorPeer {
  private readonly child = forkRole('floor-peer');

  private ask<T extends FromFloorPeer['type']>(message: ToFloorPeer, reply: T): Promise<Extract<FromFloorPeer, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the floor's peer process exited (${code}) before answering ${message.type}`));
      const onMessage = (answer: FromFloorPeer) => {
        if (answer.type !== reply) return;
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        resolve(answer as Extract<FromFloorPeer, { type: T }>);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send(message);
    });
  }

  /** Starts the peer's streams towards `ports`; resolves with the peer's port of each stream. */
  async start(ports: number[], keys: SrtpSessionKeys): Promise<number[]> {
    const wire: WireKeys = { profile: keys.profile, key: keys.key.toString('base64'), salt: keys.salt.toString('base64'), authKey: keys.authKey!.toString('base64') };
    return (await this.ask({ type: 'start', ports, keys: wire }, 'ready')).ports;
  }

  async stop(): Promise<void> {
    await this.ask({ type: 'stop' }, 'stopped');
  }

  close(): void {
    this.child.send({ type: 'close' } satisfies ToFloorPeer);
  }
}

/**
 * The V8 heap flags this process (the sandbox's) runs with: `npm run bench` gives it the
 * platform's (package.json's `start` and `platform` scripts; docs/ARCHITECTURE.md, "The
 * process's heap"). The forked floor, its peer and the agents run with the same, so the floor
 * is measured under the heap sizing the sandbox is. In the `--flag=value` form (V8 also reads
 * underscores), as the scripts write it: a value after a space would be left behind.
 */
const HEAP_FLAGS = process.execArgv.filter((flag) => /^--initial[-_]old[-_]space[-_]size=/.test(flag));

/** This file again, in a child process playing `role` (MEDIA_BENCH_ROLE). */
function forkRole(role: 'agents' | 'floor' | 'floor-peer'): ChildProcess {
  return fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, MEDIA_BENCH_ROLE: role }, execArgv: ['--import', 'tsx', ...HEAP_FLAGS] });
}

/** One frame of every stream: stream i's packet `seq` from `sockets[i]` to `ports[i]` on loopback. */
function sendStreams(sockets: Socket[], senders: SrtpSender[], ports: number[], payload: Buffer, seq: number): void {
  for (let i = 0; i < sockets.length; i++) sockets[i]!.send(senders[i]!.protect(payload, seq, (seq * FRAME_SAMPLES) >>> 0), ports[i]!, '127.0.0.1');
}

function boundSockets(count: number): Promise<Socket[]> {
  return Promise.all(Array.from({ length: count }, () => bindMediaSocket('127.0.0.1')));
}

/** Session keys for srtp.ts as a DTLS handshake gives them: werift's `SrtpSession` derives them from fresh random master keys. */
function floorSessionKeys(profile: number): SrtpSessionKeys {
  const p = profile as Parameters<typeof keyLength>[0];
  const master = () => ({ key: randomBytes(keyLength(p)), salt: randomBytes(saltLength(p)) });
  const [local, remote] = [master(), master()];
  const session = new SrtpSession({ keys: { localMasterKey: local.key, localMasterSalt: local.salt, remoteMasterKey: remote.key, remoteMasterSalt: remote.salt }, profile: p });
  const context = (session as unknown as { localContext: { srtpSessionKey: Buffer; srtpSessionSalt: Buffer; srtpSessionAuthTag: Buffer } }).localContext;
  return { profile, key: context.srtpSessionKey, salt: context.srtpSessionSalt, authKey: context.srtpSessionAuthTag };
}

/** CPU used since `since` (a `process.cpuUsage()`), in µs per packet, and the kernel's part of it. */
function cpuPer(since: NodeJS.CpuUsage, packets: number): { us: number; systemUs: number } {
  const used = process.cpuUsage(since);
  const count = Math.max(1, packets);
  return { us: (used.user + used.system) / count, systemUs: used.system / count };
}

/** One window of a floor: CPU per packet received, and the packets received and failed. */
interface FloorWindow {
  us: number;
  systemUs: number;
  packets: number;
  failed: number;
}

/**
 * The floor's hand-written row: srtp.ts, one socket pair, `streams` streams on a clock of their
 * own, in the process that calls it. The floor's process runs it for its row; the sandbox's
 * process runs it beside its idle calls, which tells whether that process itself (its heap of
 * peer connections, their timers) makes an SRTP packet dearer, or its legs' own code does.
 */
async function handWrittenFloor(streams: number, profile: number): Promise<{ run(seconds: number): Promise<FloorWindow>; close(): void }> {
  const keys = floorSessionKeys(profile);
  const senders = Array.from({ length: streams }, (_, i) => new SrtpSender(keys, 0x10000 + i));
  const receivers = Array.from({ length: streams }, () => new SrtpReceiver(keys));
  const [receiver, sender] = (await boundSockets(2)) as [Socket, Socket];
  const port = receiver.address().port;
  const payload = toneFrame(700);
  let received = 0;
  let failed = 0;
  receiver.on('message', (packet: Buffer) => {
    if (receivers[(packet.readUInt32BE(8) - 0x10000) % streams]!.unprotect(packet) >= 0) received++;
    else failed++;
  });
  const clock = new MediaClock();
  let seq = 0;
  const tick = () => {
    seq = (seq + 1) & 0xffff;
    for (const srtp of senders) sender.send(srtp.protect(payload, seq, (seq * FRAME_SAMPLES) >>> 0), port, '127.0.0.1');
  };
  return {
    async run(seconds) {
      received = 0;
      failed = 0;
      const cpu = process.cpuUsage();
      const remove = clock.add(tick); // the last handler's removal stops the clock
      await sleep(seconds * 1000);
      remove();
      await sleep(50); // the last packets in flight
      return { ...cpuPer(cpu, received), packets: received, failed };
    },
    close() {
      sender.close();
      receiver.close();
    },
  };
}

/** One SRTP-protected G.711 packet sent and received over loopback UDP, paced like calls; nothing else. */
async function runFloor(): Promise<void> {
  const payload = toneFrame(700);
  const [receiver, sender] = (await boundSockets(2)) as [Socket, Socket];
  const port = receiver.address().port;
  /** Consumes one received datagram; false when it failed to authenticate. */
  let consume: (packet: Buffer) => boolean = () => false;
  let received = 0;
  let failed = 0;
  let checksum = 0;
  const onMessage = (packet: Buffer) => {
    if (consume(packet)) received++;
    else failed++;
  };
  receiver.on('message', onMessage);
  let peer: FloorPeer | null = null;
  process.on('message', async (message: ToFloor) => {
    if (message.type === 'close') {
      peer?.close();
      sender.close();
      receiver.close();
      process.exit(checksum >= 0 ? 0 : 1);
    }
    const { streams, seconds, mode } = message;
    if (mode === 'handWritten') {
      const floor = await handWrittenFloor(streams, message.profile);
      const window = await floor.run(seconds);
      floor.close();
      process.send!({ type: 'floor', usPerPacket: window.us, systemUsPerPacket: window.systemUs, packets: window.packets, failed: window.failed } satisfies FromFloor);
      return;
    }
    const clock = new MediaClock();
    let tick: () => void;
    let perStream: Socket[] = [];
    if (mode === 'shipped' || mode === 'keyObjects') {
      // werift's own SrtpSession both ways, its keys as shipped or as KeyObjects.
      const profile = message.profile as Parameters<typeof keyLength>[0];
      const local = { key: randomBytes(keyLength(profile)), salt: randomBytes(saltLength(profile)) };
      const remote = { key: randomBytes(keyLength(profile)), salt: randomBytes(saltLength(profile)) };
      const tx = new SrtpSession({ keys: { localMasterKey: local.key, localMasterSalt: local.salt, remoteMasterKey: remote.key, remoteMasterSalt: remote.salt }, profile });
      const rx = new SrtpSession({ keys: { localMasterKey: remote.key, localMasterSalt: remote.salt, remoteMasterKey: local.key, remoteMasterSalt: local.salt }, profile });
      if (mode === 'keyObjects') {
        useKeyObjects(tx);
        useKeyObjects(rx);
      }
      const headers = Array.from({ length: streams }, (_, i) => new RtpHeader({ payloadType: 0, ssrc: 0x10000 + i, sequenceNumber: 0, timestamp: 0 }));
      consume = (packet) => {
        try {
          const rtp = rx.decrypt(packet);
          checksum += rtp[rtp.length - 1]!;
          return true;
        } catch {
          return false;
        }
      };
      tick = () => {
        for (const header of headers) {
          header.sequenceNumber = (header.sequenceNumber + 1) & 0xffff;
          header.timestamp = (header.timestamp + FRAME_SAMPLES) >>> 0;
          sender.send(tx.encrypt(payload, header), port, '127.0.0.1');
        }
      };
    } else {
      const keys = floorSessionKeys(message.profile);
      const senders = Array.from({ length: streams }, (_, i) => new SrtpSender(keys, 0x10000 + i));
      const receivers = Array.from({ length: streams }, () => new SrtpReceiver(keys));
      let seq = 0;
      consume = (packet) => {
        const end = receivers[(packet.readUInt32BE(8) - 0x10000) % streams]!.unprotect(packet);
        if (end < 0) return false;
        checksum += packet[end - 1]!;
        return true;
      };
      if (mode === 'peerProcess' || mode === 'peerOneSocket') {
        // peerOneSocket: every stream on one socket here, as the sandbox's media socket (udp-mux.ts).
        perStream = await boundSockets(mode === 'peerOneSocket' ? 1 : streams);
        for (const socket of perStream) socket.on('message', onMessage);
        const ours = Array.from({ length: streams }, (_, i) => perStream[i % perStream.length]!);
        peer ??= new FloorPeer();
        const peerPorts = await peer.start(ours.map((socket) => socket.address().port), keys);
        tick = () => {
          seq = (seq + 1) & 0xffff;
          sendStreams(ours, senders, peerPorts, payload, seq);
        };
      } else {
        perStream = await boundSockets(streams);
        // Each stream sends to the next one's socket.
        const ports = perStream.map((_, i) => perStream[(i + 1) % streams]!.address().port);
        for (const socket of perStream) socket.on('message', onMessage);
        tick = () => {
          seq = (seq + 1) & 0xffff;
          sendStreams(perStream, senders, ports, payload, seq);
        };
      }
    }
    received = 0;
    failed = 0;
    const cpu = process.cpuUsage();
    clock.add(tick);
    await sleep(seconds * 1000);
    clock.stop();
    if (mode === 'peerProcess' || mode === 'peerOneSocket') await peer!.stop();
    await sleep(50); // the last packets in flight
    const { us, systemUs } = cpuPer(cpu, received);
    for (const socket of perStream) socket.close();
    const reply: FromFloor = { type: 'floor', usPerPacket: us, systemUsPerPacket: systemUs, packets: received, failed };
    process.send!(reply);
  });
}

/** The floor's process: runs a paced floor window on request. */
class FloorProcess {
  private readonly child = forkRole('floor');

  run(streams: number, seconds: number, profile: number, mode: FloorMode): Promise<FromFloor> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the floor process exited (${code}) during its ${mode} window`));
      this.child.once('exit', onExit);
      this.child.once('message', (message: FromFloor) => {
        this.child.off('exit', onExit);
        resolve(message);
      });
      this.child.send({ type: 'run', streams, seconds, profile, mode } satisfies ToFloor);
    });
  }

  async close(): Promise<void> {
    const exited = once(this.child, 'exit');
    this.child.send({ type: 'close' } satisfies ToFloor);
    await exited;
  }
}

// ---------------------------------------------------------------- the sandbox's process

/** A phone that also times what it receives, as a receiver would, during capacity windows (not while the per-packet cost is measured: that is the sandbox's alone). */
class MeasuredPhone extends PhoneEndpoint {
  readonly timing = new ReceiverStats();
  private frames = 0;
  windowFrames = 0;
  windowAudible = 0;
  measuring = false;

  override deliver(frame: Buffer): void {
    if (!this.measuring) {
      this.frames++;
      return super.deliver(frame);
    }
    const before = this.audibleFramesReceived;
    super.deliver(frame);
    this.timing.packet(this.frames, this.frames * FRAME_SAMPLES, performance.now());
    this.frames++;
    this.windowFrames++;
    if (this.audibleFramesReceived > before) this.windowAudible++;
  }

  resetWindow(): void {
    this.measuring = true;
    this.timing.reset();
    this.windowFrames = 0;
    this.windowAudible = 0;
  }
}

interface Call {
  mixer: Mixer;
  phone: MeasuredPhone;
  webrtc: WebRtcEndpoint;
}

class AgentsProcess {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<number, (message: FromAgents) => void>();
  private reportWaiter: ((message: Extract<FromAgents, { type: 'report' }>) => void) | null = null;

  constructor() {
    this.child = forkRole('agents');
    this.child.on('message', (message: FromAgents) => {
      if (message.type === 'report') this.reportWaiter?.(message);
      else this.waiting.get(message.id)?.(message);
    });
  }

  answer(id: number, sdp: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (message) => {
        this.waiting.delete(id);
        if (message.type === 'answer') resolve(message.sdp);
        else reject(new Error(message.type === 'failed' ? message.error : 'unexpected reply'));
      });
      this.child.send({ type: 'offer', id, sdp } satisfies ToAgents);
    });
  }

  /** Stops (or restarts) every agent's RTP; their peer connections stay up. */
  silent(silent: boolean): void {
    this.child.send({ type: 'silent', silent } satisfies ToAgents);
  }

  reset(): void {
    this.child.send({ type: 'reset' } satisfies ToAgents);
  }

  report(): Promise<Extract<FromAgents, { type: 'report' }>> {
    return new Promise((resolve) => {
      this.reportWaiter = resolve;
      this.child.send({ type: 'report' } satisfies ToAgents);
    });
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ type: 'close' } satisfies ToAgents);
    await exited;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function addCall(id: number, clock: MediaClock, agents: AgentsProcess, fastPath: boolean, mux: UdpMux | null): Promise<Call> {
  const webrtc = new WebRtcEndpoint(`agent-${id}`, { mediaAddress: '127.0.0.1', fastPath, ...(mux ? { mux } : {}) });
  const offer = await webrtc.createOffer();
  await webrtc.acceptAnswer(await agents.answer(id, offer));
  const phone = new MeasuredPhone(`phone-${id}`, clock);
  const mixer = new Mixer(clock);
  mixer.join(phone.id, phone);
  mixer.join(webrtc.id, webrtc);
  return { mixer, phone, webrtc };
}

async function measureSpeech(): Promise<NonNullable<MediaBenchResult['speech']>> {
  // 100 characters each, different words so none is served from the cache.
  const sentences = [
    'Thank you for calling the support line. All of our agents are busy, please stay on the line now.',
    'Your call is important to us. An agent will be with you shortly; meanwhile, please have your number.',
    'To hear these options again, press nine. To speak to a member of our team, please press zero now.',
    'We are sorry, but the office is closed. Our opening hours are from nine in the morning until five pm.',
    'Please say or enter your account number, followed by the hash key, so that we can find your details.',
    'This call may be recorded for training and quality purposes. Thank you for your patience, goodbye!',
  ];
  let started = performance.now();
  const first = await synthesize(sentences[0]!);
  const coldMs = performance.now() - started;
  const warm: number[] = [];
  for (const sentence of sentences.slice(1)) {
    started = performance.now();
    await synthesize(sentence);
    warm.push(performance.now() - started);
  }
  started = performance.now();
  await synthesize(sentences[0]!);
  const cachedMs = performance.now() - started;
  warm.sort((a, b) => a - b);
  return { coldMs, warmMs: warm[Math.floor(warm.length / 2)]!, cachedMs, audioSeconds: first.length / 8000 };
}

/**
 * With `MEDIA_PROFILE_DIR` set, a V8 CPU profile of this process over each measuring window
 * (not the calls' set-up): returns the stop that writes `<dir>/<name>-<n>.cpuprofile`.
 * `npx tsx test/bench/profile-summary.ts <file>` prints its self time by function and file.
 */
async function startProfile(): Promise<((name: string) => Promise<void>) | null> {
  const dir = process.env.MEDIA_PROFILE_DIR;
  if (!dir) return null;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  // Allocation too: V8's sampling heap profiler (one sample per 32 KiB allocated on average), kept samples included.
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 32768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  return async (name) => {
    const { profile } = await session.post('Profiler.stop');
    const { profile: heap } = await session.post('HeapProfiler.stopSampling');
    session.disconnect();
    await mkdir(dir, { recursive: true });
    const stamp = Date.now();
    await writeFile(resolve(dir, `${name}-${stamp}.cpuprofile`), JSON.stringify(profile));
    await writeFile(resolve(dir, `${name}-${stamp}.heapprofile`), JSON.stringify(heap));
  };
}

/** Measures one window with the calls running. */
async function measureWindow(calls: Call[], clock: MediaClock, agents: AgentsProcess, windowMs: number, unconnected: number): Promise<CapacityRow> {
  agents.reset();
  for (const call of calls) call.phone.resetWindow();
  // The frames the phones should get in the window are the clock's periods in it, run or skipped,
  // counted between the same two points as the phones count (no tick runs between them and here).
  const periodsBefore = clock.ticks + clock.skippedTicks;
  const late = clock.lateTicks;
  clock.longestTickMs = 0;
  const sumOf = (count: (call: Call) => number) => calls.reduce((s, call) => s + count(call), 0);
  const droppedBefore = sumOf((call) => call.mixer.droppedFrames);
  const trimmedBefore = sumOf((call) => call.mixer.trimmedFrames);
  // Added after every call's mixer, so it runs once they have all taken this tick's frame.
  let queuedFrames = 0;
  let queueSamples = 0;
  const removeQueueSampler = clock.add(() => {
    queuedFrames += sumOf((call) => call.mixer.bufferedFrames) / calls.length;
    queueSamples++;
  });
  const gc = { ms: 0, maxMs: 0 };
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.ms += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const profiler = await startProfile();
  const cpu = process.cpuUsage();
  const wallStart = performance.now();
  await sleep(windowMs);
  const used = process.cpuUsage(cpu);
  const wallMs = performance.now() - wallStart;
  removeQueueSampler();
  for (const call of calls) call.phone.measuring = false;
  const periods = clock.ticks + clock.skippedTicks - periodsBefore;
  loopDelay.disable();
  gcObserver.disconnect();
  await profiler?.(`sandbox-${calls.length}-calls`);
  const agentReport = await agents.report();

  const cpuMs = (used.user + used.system) / 1000;
  const expectedFrames = periods * calls.length;
  const phoneReceived = calls.reduce((s, call) => s + call.phone.windowFrames, 0);
  const phoneJitter = calls.reduce((s, call) => s + call.phone.timing.report().jitterMs, 0) / calls.length;
  const row: CapacityRow = {
    calls: calls.length,
    agentLossPct: agentReport.expected ? Math.max(0, 1 - agentReport.received / agentReport.expected) * 100 : 100,
    agentJitterMs: agentReport.jitterMs,
    agentJitterMaxMs: agentReport.maxJitterMs,
    phoneLossPct: Math.max(0, 1 - phoneReceived / expectedFrames) * 100,
    phoneJitterMs: phoneJitter,
    phoneGapPct: (1 - calls.reduce((s, call) => s + call.phone.windowAudible, 0) / Math.max(1, phoneReceived)) * 100,
    cpuPct: (cpuMs / wallMs) * 100,
    cpuMsPerCallSecond: cpuMs / calls.length / (wallMs / 1000),
    agentsCpuPct: agentReport.cpuPct,
    lateTicks: clock.lateTicks - late,
    longestTickMs: clock.longestTickMs,
    gcMs: gc.ms,
    gcMaxMs: gc.maxMs,
    loopDelayMaxMs: loopDelay.max / 1e6,
    queueMs: (queuedFrames / Math.max(1, queueSamples)) * 20,
    droppedFrames: sumOf((call) => call.mixer.droppedFrames) - droppedBefore,
    trimmedFrames: sumOf((call) => call.mixer.trimmedFrames) - trimmedBefore,
    unconnected,
    ok: false,
  };
  row.ok =
    unconnected === 0 &&
    row.agentLossPct <= LOSS_BAR_PCT &&
    row.phoneLossPct <= LOSS_BAR_PCT &&
    row.phoneGapPct <= GAP_BAR_PCT &&
    row.agentJitterMs <= JITTER_BAR_MS &&
    row.phoneJitterMs <= JITTER_BAR_MS;
  return row;
}

/**
 * Per-packet CPU of the sandbox against the floor, in alternating windows (see the header).
 */
async function measureCost(calls: Call[], clock: MediaClock, agents: AgentsProcess, floor: FloorProcess, rounds: number, seconds: number, oneSocket: boolean, mixersAndPhonesUs: { warm: number; cold: number }, print: (line: string) => void): Promise<PacketCost> {
  const profile = calls.find((call) => call.webrtc.srtpProfile !== null)?.webrtc.srtpProfile ?? 1;
  const floors = Object.fromEntries(FLOOR_MODES.map((mode) => [mode, [] as number[]])) as Record<FloorMode, number[]>;
  const sandboxUs: number[] = [];
  const queuedPhonesUs: number[] = [];
  const noAudioUs: number[] = [];
  const legsAloneUs: number[] = [];
  const floorCodeUs: number[] = [];
  const inProcessUs: number[] = [];
  const systemUs = Object.fromEntries([...FLOOR_MODES, 'sandbox', 'queuedPhones', 'legsAlone', 'floorCode', 'noAudio', 'inProcess'].map((row) => [row, [] as number[]])) as Record<FloorMode | 'sandbox' | 'queuedPhones' | 'legsAlone' | 'floorCode' | 'noAudio' | 'inProcess', number[]>;
  const inProcess = await handWrittenFloor(calls.length, profile);
  const runningRate = calls.length * (1000 / 20); // packets a second the calls send: one a call a frame
  const sent = () => calls.reduce((s, call) => s + call.webrtc.counters().packets_sent, 0);
  /** This process's CPU over one window of `seconds`, in µs per packet (`packets()` read at its end), and the kernel's part. */
  const cpuPerPacket = async (packets: () => number) => {
    const cpu = process.cpuUsage();
    const busy = clock.busyMs;
    await sleep(seconds * 1000);
    const count = packets();
    return { ...cpuPer(cpu, count), tickUs: ((clock.busyMs - busy) * 1000) / Math.max(1, count) };
  };
  const tickUs = { sandbox: [] as number[], queuedPhones: [] as number[], legsAlone: [] as number[], floorCode: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    for (const mode of FLOOR_MODES) {
      const result = await floor.run(calls.length, seconds, profile, mode);
      if (result.failed) throw new Error(`floor (${mode}): ${result.failed} packets failed to decrypt`);
      floors[mode].push(result.usPerPacket);
      systemUs[mode].push(result.systemUsPerPacket);
    }
    const measureSandbox = async () => {
      const sentBefore = sent();
      const running = await cpuPerPacket(() => sent() - sentBefore);
      sandboxUs.push(running.us);
      systemUs.sandbox.push(running.systemUs);
      tickUs.sandbox.push(running.tickUs);
    };
    // The same calls with each phone's frames going through its mixer's jitter queue, as before
    // mixers read phones on their clock: this window less the sandbox's is what reading them saves.
    // Rejoining gives each agent a new jitter queue: a second to fill it, before this window
    // and before the next (the sandbox's, every other round).
    const measureQueuedPhones = async () => {
      const restore = calls.map((call) => queuedPhone(call));
      await sleep(1000);
      const sentBefore = sent();
      const queued = await cpuPerPacket(() => sent() - sentBefore);
      for (const undo of restore) undo();
      await sleep(1000);
      queuedPhonesUs.push(queued.us);
      systemUs.queuedPhones.push(queued.systemUs);
      tickUs.queuedPhones.push(queued.tickUs);
    };
    // The legs alone: the same calls, their mixers and phones out, each agent's frame sent back.
    const measureLegsAlone = async () => {
      const restore = calls.map((call) => legsAlone(call, clock));
      const sentBefore = sent();
      const legs = await cpuPerPacket(() => sent() - sentBefore);
      for (const undo of restore) undo();
      legsAloneUs.push(legs.us);
      systemUs.legsAlone.push(legs.systemUs);
      tickUs.legsAlone.push(legs.tickUs);
    };
    // The floor's code carrying the same calls.
    const measureFloorCode = async () => {
      const restore = floorCodeLegs(calls, clock);
      if (restore === null) return;
      const sentBefore = sent();
      const carried = await cpuPerPacket(() => sent() - sentBefore);
      restore();
      floorCodeUs.push(carried.us);
      systemUs.floorCode.push(carried.systemUs);
      tickUs.floorCode.push(carried.tickUs);
    };
    // The order reverses every round, so neither the sandbox's nor the floor's-code window always
    // follows the floor's windows (two more busy processes beside the calls on two cores) or
    // always precedes the pause; the queued phones' window is always next to the sandbox's, and
    // legs alone runs between those two and the floor's code.
    const windows = [measureSandbox, measureQueuedPhones, measureLegsAlone, measureFloorCode];
    for (const measure of round % 2 === 0 ? windows : windows.reverse()) await measure();
    // No audio: the clock stopped and the agents silent, the legs connected; a second to let the last RTP drain.
    agents.silent(true);
    clock.stop();
    await sleep(1000);
    const idle = await cpuPerPacket(() => runningRate * seconds);
    // The floor in this process while the calls are still idle.
    const beside = await inProcess.run(seconds);
    if (beside.failed) throw new Error(`floor in the sandbox's process: ${beside.failed} packets failed to decrypt`);
    inProcessUs.push(beside.us);
    systemUs.inProcess.push(beside.systemUs);
    clock.start();
    agents.silent(false);
    // The phones' frames count their time: after the pause they count from a new start.
    for (const call of calls) call.phone.timing.restart();
    await sleep(1000); // the jitter queues fill again before the next round's windows
    noAudioUs.push(idle.us);
    systemUs.noAudio.push(idle.systemUs);
  }
  inProcess.close();
  const spread = (values: number[]) => {
    const row = summarize('', values);
    return { median: row.median, min: row.min, max: row.max };
  };
  const keyObjects = spread(floors.keyObjects);
  const handWritten = spread(floors.handWritten);
  // The floor is the cheaper of the two single-socket SRTP implementations: the ratio never flatters the sandbox.
  const floorMode = keyObjects.median <= handWritten.median ? 'keyObjects' : 'handWritten';
  const cost: PacketCost = {
    calls: calls.length,
    profile,
    floorUs: floorMode === 'keyObjects' ? keyObjects : handWritten,
    floorShippedUs: spread(floors.shipped),
    floorKeyObjectsUs: keyObjects,
    floorHandWrittenUs: handWritten,
    floorSocketPerStreamUs: spread(floors.socketPerStream),
    floorPeerProcessUs: spread(floors.peerProcess),
    floorPeerOneSocketUs: spread(floors.peerOneSocket),
    sandboxUs: spread(sandboxUs),
    sandboxQueuedPhonesUs: spread(queuedPhonesUs),
    sandboxNoAudioUs: spread(noAudioUs),
    sandboxLegsAloneUs: spread(legsAloneUs),
    sandboxFloorCodeUs: floorCodeUs.length > 0 ? spread(floorCodeUs) : null,
    mixersAndPhonesAloneUs: mixersAndPhonesUs.warm,
    mixersAndPhonesColdUs: mixersAndPhonesUs.cold,
    tickUs: {
      sandbox: spread(tickUs.sandbox).median,
      queuedPhones: spread(tickUs.queuedPhones).median,
      legsAlone: spread(tickUs.legsAlone).median,
      floorCode: tickUs.floorCode.length > 0 ? spread(tickUs.floorCode).median : null,
    },
    floorInProcessUs: spread(inProcessUs),
    systemUs: Object.fromEntries(Object.entries(systemUs).map(([row, values]) => [row, values.length > 0 ? spread(values).median : Number.NaN])) as PacketCost['systemUs'],
    ratio: 0,
    ratioPeerProcess: 0,
    // Rounds pair up as measured: both windows of round i ran within the same minute.
    roundRatio: spread(sandboxUs.map((us, i) => us / floors[floorMode][i]!)),
    // The two windows of a round are next to each other, in turn first.
    queuedPhonesSaving: spread(sandboxUs.map((us, i) => queuedPhonesUs[i]! - us)),
    queuedPhonesCheaperRounds: sandboxUs.filter((us, i) => us < queuedPhonesUs[i]!).length,
    queuedPhonesTickSaving: spread(tickUs.sandbox.map((us, i) => tickUs.queuedPhones[i]! - us)),
    queuedPhonesTickCheaperRounds: tickUs.sandbox.filter((us, i) => us < tickUs.queuedPhones[i]!).length,
    rounds,
  };
  cost.ratio = cost.sandboxUs.median / cost.floorUs.median;
  const shape = oneSocket ? cost.floorPeerOneSocketUs : cost.floorPeerProcessUs;
  cost.ratioPeerProcess = cost.sandboxUs.median / shape.median;
  const profileName = profile === 7 ? 'AEAD_AES_128_GCM' : profile === 1 ? 'AES_CM_128_HMAC_SHA1_80' : `profile ${profile}`;
  const load = (await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ');
  print(`\nPer-packet CPU at ${calls.length} calls, ${rounds} alternating rounds of ${seconds} s, SRTP ${profileName}, load average ${load}`);
  // The heap sizing changes the sandbox's row by ~15 % at 100 calls: say which one ran.
  print(HEAP_FLAGS.length > 0 ? `V8 heap of every process: ${HEAP_FLAGS.join(' ')}, as the platform runs` : "V8 heap: Node's default sizing, not the platform's (run it as npm run bench does: this file's header, Heap)");
  print('| measure | median µs/packet | min | max | × floor | of it kernel µs (median) |');
  print('|---|---|---|---|---|---|');
  const line = (label: string, us: PacketCost['floorUs'], row: FloorMode | 'sandbox' | 'queuedPhones' | 'legsAlone' | 'floorCode' | 'noAudio' | 'inProcess') =>
    print(`| ${label} | ${us.median.toFixed(1)} | ${us.min.toFixed(1)} | ${us.max.toFixed(1)} | ${(us.median / cost.floorUs.median).toFixed(2)} | ${cost.systemUs[row].toFixed(1)} |`);
  line('floor as werift ships it: SRTP packet sent + received over loopback UDP, SrtpSession with Buffer keys', cost.floorShippedUs, 'shipped');
  line('floor: the same with the session keys as KeyObjects', keyObjects, 'keyObjects');
  line('floor: the same with the hand-written SRTP of srtp.ts', handWritten, 'handWritten');
  line("floor, hand-written SRTP, one socket per stream (werift's shape: one ICE socket per leg)", cost.floorSocketPerStreamUs, 'socketPerStream');
  line("floor, hand-written SRTP, one socket per stream, the peer's packets sent from another process (as each call's peer sends)", cost.floorPeerProcessUs, 'peerProcess');
  line("floor, hand-written SRTP, every stream on one socket, the peer's packets sent from another process (the sandbox's shape: one media socket)", cost.floorPeerOneSocketUs, 'peerOneSocket');
  line('sandbox: per packet sent (one received beside it; mixer, phone, clock)', cost.sandboxUs, 'sandbox');
  line("sandbox, its phones' frames through the mixers' jitter queues (as before mixers read phones on their clock)", cost.sandboxQueuedPhonesUs, 'queuedPhones');
  line("sandbox, the legs alone: the same calls with no mixer and no phone, each agent's frame sent back to it on the clock", cost.sandboxLegsAloneUs, 'legsAlone');
  if (cost.sandboxFloorCodeUs) {
    line("the floor's code carrying the same calls in the sandbox's process: each agent's SRTP decrypted and its frame sent back encrypted (srtp.ts, the legs' keys) straight on the media socket, no leg code per packet", cost.sandboxFloorCodeUs, 'floorCode');
  } else {
    print("| the floor's code carrying the same calls: not measured (it needs every leg on the one media socket, and the legs' fields as the bench expects) | | | | | |");
  }
  line('of which with no audio flowing (calls connected, clock stopped, agents silent: ICE consent checks, timers), per packet of the running rate', cost.sandboxNoAudioUs, 'noAudio');
  line("floor inside the sandbox's process, beside its calls with no audio flowing: hand-written SRTP, one socket pair (the calls' own cost, the row above, included)", cost.floorInProcessUs, 'inProcess');
  print(`sandbox against the peer-process floor of its shape (${oneSocket ? 'one socket' : 'a socket per leg'}): ${cost.ratioPeerProcess.toFixed(2)}×`);
  if (cost.sandboxFloorCodeUs) {
    // Differences of medians: where the sandbox's µs over the floor go.
    const carried = cost.sandboxFloorCodeUs.median;
    const legs = cost.sandboxLegsAloneUs.median;
    print(
      `of the sandbox's ${(cost.sandboxUs.median - cost.floorUs.median).toFixed(1)} µs over the floor: ${(carried - cost.floorUs.median).toFixed(1)} µs carrying its calls in its process with the floor's own code, ` +
        `${(legs - carried).toFixed(1)} µs the legs' per-packet code (legs alone less that), ${(cost.sandboxUs.median - legs).toFixed(1)} µs the mixers and phones (sandbox less legs alone)`,
    );
  }
  print(
    `the mixers' and phones' code alone, ${calls.length} calls on a manual clock ticked back to back: ${cost.mixersAndPhonesAloneUs.toFixed(2)} µs a call a frame with their state in the CPU's caches, ` +
      `${cost.mixersAndPhonesColdUs.toFixed(2)} µs with the caches cleared before each frame; against ${(cost.sandboxUs.median - cost.sandboxLegsAloneUs.median).toFixed(1)} µs they add in the running process (sandbox less legs alone)`,
  );
  const ticks = cost.tickUs;
  print(
    `in the media clock's ticks (the time its handlers ran, µs a packet, medians): sandbox ${ticks.sandbox.toFixed(1)}, its phones queued ${ticks.queuedPhones.toFixed(1)}, legs alone ${ticks.legsAlone.toFixed(1)}` +
      `${ticks.floorCode === null ? '' : `, the floor's code ${ticks.floorCode.toFixed(1)}`}; the mixers' and phones' share of the sandbox's ticks: ${(ticks.sandbox - ticks.legsAlone).toFixed(1)} µs ` +
      `(the phones tick in both windows), ${(ticks.queuedPhones - ticks.legsAlone).toFixed(1)} µs with the phones queued`,
  );
  const saving = cost.queuedPhonesSaving;
  const tickSaving = cost.queuedPhonesTickSaving;
  print(
    `reading the phones on the clock rather than queueing their frames, round by round (queued-phones window less the sandbox's next to it), µs a packet saved: ` +
      `in the clock's ticks median ${tickSaving.median.toFixed(1)} (${tickSaving.min.toFixed(1)} to ${tickSaving.max.toFixed(1)}), the sandbox's cheaper in ${cost.queuedPhonesTickCheaperRounds} of ${rounds} rounds; ` +
      `the whole process's CPU median ${saving.median.toFixed(1)} (${saving.min.toFixed(1)} to ${saving.max.toFixed(1)}), cheaper in ${cost.queuedPhonesCheaperRounds} of ${rounds}`,
  );
  const { roundRatio } = cost;
  print(`sandbox over the floor round by round (each round's sandbox window over its own floor window): median ${roundRatio.median.toFixed(2)}× (${roundRatio.min.toFixed(2)}–${roundRatio.max.toFixed(2)})`);
  return cost;
}

/**
 * Takes a call's mixer and phone out of its media: the agent's frames go straight back to the
 * agent, the last one received sent on each clock tick (one packet a frame, as the call sends).
 * Returns the undo, which joins both to the mixer again.
 */
function legsAlone(call: Call, clock: MediaClock): () => void {
  const { mixer, phone, webrtc } = call;
  mixer.leave(phone.id);
  mixer.leave(webrtc.id);
  const frame = Buffer.alloc(FRAME_SAMPLES);
  webrtc.onFrame((received) => received.copy(frame));
  const removeTick = clock.add(() => webrtc.deliver(frame));
  return () => {
    removeTick();
    mixer.join(phone.id, phone);
    mixer.join(webrtc.id, webrtc);
  };
}

/**
 * Joins a call's phone to its mixer as any endpoint, behind a view that hides its clock: the
 * mixer then queues the frames the phone hands its listener, as it did before it read phones on
 * its clock. Keeps the members' order (phone, then agent). Returns the undo.
 */
function queuedPhone(call: Call): () => void {
  const { mixer, phone, webrtc } = call;
  const view: MediaEndpoint = {
    id: phone.id,
    onFrame: (listener) => phone.onFrame(listener),
    deliver: (frame) => phone.deliver(frame),
    counters: () => phone.counters(),
    close: () => phone.close(),
  };
  const rejoin = (endpoint: MediaEndpoint) => {
    mixer.leave(phone.id);
    mixer.leave(webrtc.id);
    mixer.join(phone.id, endpoint);
    mixer.join(webrtc.id, webrtc);
  };
  rejoin(view);
  return () => rejoin(phone);
}

/** The private fields of a leg (`WebRtcEndpoint` and its `RtpFastPath`) that `floorCodeLegs` takes over, checked before use. */
interface LegInternals {
  sequence: number;
  timestamp: number;
  stats: { packets_sent: number };
  fastPath: { sender: SrtpSender | null; receiver: SrtpReceiver | null; host: string; port: number; udp: { socket: Socket } } | null;
}

/**
 * The floor's code carrying the calls, in the sandbox's process: every call's mixer and phone
 * are taken out, as `legsAlone` does, and so is the legs' own per-packet code. A listener of
 * this file's replaces the media socket's (udp-mux.ts's) and, as the floor's receiver does,
 * decrypts each agent's SRTP packet with the leg's srtp.ts receiver and keeps its payload; on
 * each clock tick the last one is encrypted with the leg's srtp.ts sender and sent to the agent,
 * as the floor's sender does. Nothing else of the legs runs per packet (the mux's routing, the
 * fast path's checks, the RTCP statistics and the reports they send, the endpoint); the rest of
 * the process does: every leg's ICE consent checks both ways and the agents' SRTCP (handed to
 * the mux's listener, as every datagram that is not an agent's RTP), werift's timers, the heap.
 * The leg's sequence number, RTP timestamp and rollover counter go on from where its own path
 * left them, so the agents see one stream; its RTCP counts skip the window's packets (its next
 * report under-counts what it sent, and counts what it received meanwhile as lost), which
 * nothing in the bench reads. Returns the undo, or null (nothing changed) when the legs do not
 * share one media socket (`MEDIA_MUX=0`) or their fields are not as this expects.
 */
function floorCodeLegs(calls: Call[], clock: MediaClock): (() => void) | null {
  const legs = calls.map((call) => call.webrtc as unknown as LegInternals);
  const socket = legs[0]?.fastPath?.udp.socket;
  const usable = legs.every(
    (leg) =>
      typeof leg.sequence === 'number' &&
      typeof leg.timestamp === 'number' &&
      typeof leg.stats?.packets_sent === 'number' &&
      leg.fastPath?.sender instanceof SrtpSender &&
      leg.fastPath.receiver instanceof SrtpReceiver &&
      leg.fastPath.udp.socket === socket,
  );
  const listeners = socket?.listeners('message') ?? [];
  if (!usable || !socket || listeners.length !== 1) return null;
  const mux = listeners[0] as (data: Buffer, rinfo: RemoteInfo) => void;
  // The agents' process sends from 127.0.0.1, one port a call.
  const byPort = new Map(legs.map((leg) => [leg.fastPath!.port, { leg, receiver: leg.fastPath!.receiver!, frame: Buffer.alloc(FRAME_SAMPLES) }]));
  if (byPort.size !== legs.length) return null;
  for (const { mixer, phone, webrtc } of calls) {
    mixer.leave(phone.id);
    mixer.leave(webrtc.id);
  }
  const ours = (data: Buffer, rinfo: RemoteInfo) => {
    const stream = byPort.get(rinfo.port);
    // RTP from an agent, told apart as the fast path does; the rest (STUN consent checks, SRTCP,
    // DTLS) is the mux's, which hands it to the leg.
    if (stream === undefined || !isSrtp(data)) return mux(data, rinfo);
    const end = stream.receiver.unprotect(data);
    if (end >= 12 + FRAME_SAMPLES) data.copy(stream.frame, 0, 12, 12 + FRAME_SAMPLES);
  };
  socket.removeListener('message', mux);
  socket.on('message', ours);
  const streams = [...byPort.values()];
  const removeTick = clock.add(() => {
    for (const { leg, frame } of streams) {
      const { fastPath } = leg;
      const sequence = leg.sequence;
      const timestamp = leg.timestamp >>> 0;
      leg.sequence = (sequence + 1) & 0xffff;
      leg.timestamp = (timestamp + FRAME_SAMPLES) >>> 0;
      leg.stats.packets_sent++;
      socket.send(fastPath!.sender!.protect(frame, sequence, timestamp), fastPath!.port, fastPath!.host);
    }
  });
  return () => {
    removeTick();
    socket.removeListener('message', ours);
    socket.on('message', mux);
    for (const { mixer, phone, webrtc } of calls) {
      mixer.join(phone.id, phone);
      mixer.join(webrtc.id, webrtc);
    }
  };
}

/** A test double of an agent's leg for `mixersAndPhonesAlone`: gives its mixer a frame when told, and takes the mix. */
class FrameSource implements MediaEndpoint {
  private listener: ((frame: Buffer) => void) | null = null;
  /** Read from every delivered frame, so delivering is not optimised away. */
  checksum = 0;

  constructor(readonly id: string) {}

  onFrame(listener: ((frame: Buffer) => void) | null): void {
    this.listener = listener;
  }

  send(frame: Buffer): void {
    this.listener?.(frame);
  }

  deliver(frame: Buffer): void {
    this.checksum += frame[0]!;
  }

  counters(): MediaCounters {
    return { packets_sent: 0, packets_received: 0 };
  }

  close(): void {
    this.listener = null;
  }
}

/**
 * The mixers' and phones' code alone: `count` two-party calls as the bench builds them (a plain
 * `PhoneEndpoint`: `MeasuredPhone` adds nothing outside a capacity window), a `FrameSource` in
 * each agent's place, on a manual clock ticked back to back (each frame: every source's frame
 * in, one tick), after a simulated minute so every phone keeps its full 60 s. Their state stays
 * in the CPU's caches from one frame to the next (`warm`: CPU µs a call a frame, median of
 * `rounds` runs of `frames` frames). Then the same with the caches cleared before each frame by
 * reading `FLUSH_BYTES` (`cold`: wall µs a call a frame of the frames alone, median of `rounds`
 * runs of `coldFrames`), as in the running process, where a call's state is touched once every
 * 20 ms between the network's work and the agents' process's. An upper bound: the code's own
 * lines are cleared too, where in the running process they stay warm across a tick's calls.
 */
function mixersAndPhonesAlone(count: number, rounds = 5, frames = 1500, coldFrames = 100): { warm: number; cold: number } {
  const clock = new MediaClock(20, { manual: true });
  const sources: FrameSource[] = [];
  const parts: Array<{ close(): void }> = [];
  for (let i = 0; i < count; i++) {
    const phone = new PhoneEndpoint(`alone-phone-${i}`, clock);
    const source = new FrameSource(`alone-agent-${i}`);
    const mixer = new Mixer(clock);
    mixer.join(phone.id, phone);
    mixer.join(source.id, source);
    sources.push(source);
    parts.push(mixer, phone);
  }
  const frame = toneFrame(700);
  const run = (n: number) => {
    for (let t = 0; t < n; t++) {
      for (const source of sources) source.send(frame);
      clock.tick();
    }
  };
  run(60 * 50);
  const us: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const cpu = process.cpuUsage();
    run(frames);
    const used = process.cpuUsage(cpu);
    us.push((used.user + used.system) / (frames * count));
  }
  // Read, not written: written lines would be written back to memory during the timed frame.
  const flush = new Float64Array(FLUSH_BYTES / 8).fill(1);
  let read = 0;
  const coldUs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let ns = 0n;
    for (let f = 0; f < coldFrames; f++) {
      for (let i = 0; i < flush.length; i += 8) read += flush[i]!; // one read a 64-byte line
      const started = process.hrtime.bigint();
      run(1);
      ns += process.hrtime.bigint() - started;
    }
    coldUs.push(Number(ns) / 1000 / (coldFrames * count));
  }
  for (const part of parts) part.close();
  if (read !== (rounds * coldFrames * flush.length) / 8) throw new Error('the cache-clearing read was cut short');
  return { warm: summarize('', us).median, cold: summarize('', coldUs).median };
}

/**
 * Bytes read to clear the CPU's caches before each cold frame: past this machine's last
 * level (a pointer chase here costs ~10–25 ns within 8 MB and 130 ns or more from 16 MB).
 */
const FLUSH_BYTES = 64 * 1024 * 1024;

/** Runs the capacity steps and the speech timing; prints both tables. */
export async function runMediaBench(options: MediaBenchOptions = {}): Promise<MediaBenchResult> {
  const steps = options.steps ?? DEFAULT_STEPS;
  const windowMs = (options.windowSeconds ?? 10) * 1000;
  const print = options.print ?? ((line: string) => console.log(line));
  const costCalls = options.costCalls ?? 100;
  const clock = new MediaClock();
  const agents = new AgentsProcess();
  const floor = costCalls > 0 ? new FloorProcess() : null;
  // Before any call is set up: it blocks the event loop for several seconds (most of it reading
  // over 64 MB between cold frames) and keeps 100 phones' minute of audio (~48 MB) until it
  // ends, which would fall on live calls' windows.
  const mixersAndPhonesUs = costCalls > 0 ? mixersAndPhonesAlone(costCalls) : { warm: 0, cold: 0 };
  const mux = options.mux === false ? null : await UdpMux.open('127.0.0.1');
  const calls: Call[] = [];
  const rows: CapacityRow[] = [];
  let cost: PacketCost | null = null;
  const load = (await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ');
  print(`\nMedia capacity: two-party calls (phone ↔ mixer ↔ WebRTC agent over loopback), ${windowMs / 1000} s windows, RTP ${options.fastPath === false ? "through werift's whole pipeline" : 'on the fast path'}, ${mux ? 'every leg on one UDP socket' : 'a UDP socket per leg'}, load average at start ${load}, ${new Date().toISOString()}`);
  const header = ['calls', 'agent loss %', 'agent jitter ms (max)', 'phone loss %', 'phone jitter ms', 'phone gaps %', 'CPU % core', 'CPU ms/call/s', 'agents CPU %', 'late ticks', 'longest tick ms', 'GC ms (max)', 'loop delay max ms', 'queue ms', 'dropped / trimmed', 'bar'];
  print(`| ${header.join(' | ')} |`);
  print(`|${header.map((h) => '-'.repeat(h.length + 2)).join('|')}|`);
  const printRow = (row: CapacityRow, again: boolean) => {
    const cells = [
      `${again ? 'again ' : ''}${row.calls}`,
      row.agentLossPct.toFixed(2),
      `${row.agentJitterMs.toFixed(1)} (${row.agentJitterMaxMs.toFixed(1)})`,
      row.phoneLossPct.toFixed(2),
      row.phoneJitterMs.toFixed(1),
      row.phoneGapPct.toFixed(2),
      row.cpuPct.toFixed(1),
      row.cpuMsPerCallSecond.toFixed(2),
      row.agentsCpuPct.toFixed(1),
      String(row.lateTicks),
      row.longestTickMs.toFixed(1),
      `${row.gcMs.toFixed(0)} (${row.gcMaxMs.toFixed(1)})`,
      row.loopDelayMaxMs.toFixed(0),
      row.queueMs.toFixed(1),
      `${row.droppedFrames} / ${row.trimmedFrames}`,
      row.ok ? 'met' : row.unconnected ? `missed (${row.unconnected} not connected)` : 'missed',
    ];
    print(`| ${cells.map((cell, i) => cell.padStart(header[i]!.length)).join(' | ')} |`);
  };
  try {
    for (const target of steps) {
      // Add calls a few at a time: each DTLS handshake costs CPU that live calls share.
      while (calls.length < target) {
        const batch = Math.min(10, target - calls.length);
        const added = await Promise.all(Array.from({ length: batch }, (_, i) => addCall(calls.length + i, clock, agents, options.fastPath ?? true, mux)));
        calls.push(...added);
      }
      const deadline = Date.now() + 15_000;
      while (calls.some((call) => call.webrtc.state !== 'connected') && Date.now() < deadline) await sleep(100);
      const unconnected = calls.filter((call) => call.webrtc.state !== 'connected').length;
      await sleep(2000);

      // The machine may be shared: a step that misses is measured once more before stopping.
      let row = await measureWindow(calls, clock, agents, windowMs, unconnected);
      rows.push(row);
      printRow(row, false);
      if (!row.ok && unconnected === 0) {
        row = await measureWindow(calls, clock, agents, windowMs, unconnected);
        rows.push(row);
        printRow(row, true);
      }
      if (floor && !cost && calls.length >= costCalls) {
        cost = await measureCost(calls, clock, agents, floor, options.costRounds ?? 5, options.costSeconds ?? 5, mux !== null, mixersAndPhonesUs, print);
      }
      if (!row.ok) break;
    }
  } finally {
    for (const call of calls) {
      call.mixer.close();
      call.phone.close();
      call.webrtc.close();
    }
    clock.stop();
    await agents.close();
    await floor?.close();
    await mux?.close();
  }
  const best = [...rows].reverse().find((row) => row.ok);
  print(
    best
      ? `Max concurrent calls meeting loss ≤ ${LOSS_BAR_PCT} %, phone gaps ≤ ${GAP_BAR_PCT} % and jitter ≤ ${JITTER_BAR_MS} ms: ${best.calls}${best === rows[rows.length - 1] ? ' (the largest step tried)' : ''}; CPU ${best.cpuMsPerCallSecond.toFixed(2)} ms per call per second (${((best.cpuMsPerCallSecond / 1000) * 100).toFixed(2)} % of a core per call).`
      : 'No step met the bar.',
  );

  if (options.speech === false) return { rows, maxCalls: best?.calls ?? 0, cpuMsPerCallSecond: best?.cpuMsPerCallSecond ?? 0, speech: null, cost };
  const speech = await measureSpeech();
  print('\nSpeech synthesis (eSpeak NG in a worker, 100-character sentence → 8 kHz)');
  print('| measure | ms |');
  print('|---|---|');
  print(`| cold (worker + WASM start + synthesis) | ${speech.coldMs.toFixed(1)} |`);
  print(`| warm, median of 5 different sentences | ${speech.warmMs.toFixed(1)} |`);
  print(`| cached repeat | ${speech.cachedMs.toFixed(2)} |`);
  print(`| audio length of the sentence | ${(speech.audioSeconds * 1000).toFixed(0)} |`);
  return { rows, maxCalls: best?.calls ?? 0, cpuMsPerCallSecond: best?.cpuMsPerCallSecond ?? 0, speech, cost };
}

// A forked role's clock and sockets would keep it running (the agents still sending RTP, loading the
// machine the next run measures on) if the bench died: each goes with the process that forked it.
if (process.env.MEDIA_BENCH_ROLE) process.on('disconnect', () => process.exit(0));
if (process.env.MEDIA_BENCH_ROLE === 'agents') {
  void runAgents();
} else if (process.env.MEDIA_BENCH_ROLE === 'floor') {
  void runFloor();
} else if (process.env.MEDIA_BENCH_ROLE === 'floor-peer') {
  void runFloorPeer();
} else if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const steps = process.argv[2]?.split(',').map(Number);
  const costCalls = process.env.MEDIA_COST_CALLS ? Number(process.env.MEDIA_COST_CALLS) : undefined;
  const costRounds = process.env.MEDIA_COST_ROUNDS ? Number(process.env.MEDIA_COST_ROUNDS) : undefined;
  await runMediaBench({ ...(steps ? { steps } : {}), ...(costCalls !== undefined ? { costCalls } : {}), ...(costRounds !== undefined ? { costRounds } : {}), ...(process.env.MEDIA_SKIP_SPEECH ? { speech: false } : {}), fastPath: process.env.MEDIA_FAST_PATH !== '0', mux: process.env.MEDIA_MUX !== '0' });
}
