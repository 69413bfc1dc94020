/**
 * One 20 ms clock for all media in the sandbox.
 *
 * Every source that produces frames (phones, mixers) ticks from this single timer
 * rather than keeping a timer each: one wake-up a frame period however many calls run.
 *
 * When the event loop was blocked past a period, the frames missed are caught up one per
 * event-loop turn (`setImmediate`), not back to back: incoming RTP that waited in the
 * sockets during the stall is read between them, so each caught-up tick finds its frame
 * in the jitter queues. Back to back, every caught-up tick found the queues empty (the
 * datagrams were still unread) and every call had a gap, then the late frames overflowed
 * the queues: at 200 calls that was most of the phones' gaps in test/bench/media-capacity.ts.
 */

export type Tick = () => void;

/**
 * How far behind (in frames, 200 ms at 20 ms) a late clock may be after a tick and still catch
 * up; further behind, it resyncs and those frames are lost. The mixer's jitter queues hold
 * what one stall the clock catches up can bring, so it is still there to play.
 */
export const CATCH_UP_FRAMES = 10;

/**
 * How early a tick may run by `performance.now()`. Node's timers keep whole milliseconds: a
 * timer's start is the loop's time in whole milliseconds, and its due time is compared with
 * the loop's time in whole milliseconds again, so a timeout fires up to ~2 ms before the time
 * it was asked for by `performance.now()` (1.07 ms seen). Waiting out the rest took a second
 * timer and a second wake-up of the process for many ticks (test/bench/media-capacity.ts at
 * 100 calls: 740 timeouts in 10 s for 500 ticks; clock.test.ts: 45–50 for 25). A tick 2 ms early
 * is a tenth of a period: the mixer plays what arrived before it, as from any tick.
 */
export const TIMER_EARLY_MS = 2;

/** How a clock runs. */
export interface MediaClockOptions {
  /** No timer: the owner calls `tick()` (tests drive media frame by frame, without sleeping). */
  manual?: boolean;
}

/** Drives registered tick handlers every 20 ms, catching up when the event loop was late. */
export class MediaClock {
  /**
   * The handlers in the order added, a new array on every add and remove (a tick keeps walking
   * the one it began with), walked with an index: a `for…of` over a Set allocated an iterator
   * result per handler per tick in the media bench's heap profile (2 MB in 10 s at 100 calls:
   * every mixer and phone is a handler).
   */
  private handlers: Tick[] = [];
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private next = 0;
  private running = false;
  /** Counts `start()`s: a loop of an earlier start ends, so a stop and start within one tick never leaves two loops. */
  private runs = 0;
  private readonly manual: boolean;
  /** Frames that ran late and were caught up (a measure of event-loop pressure). */
  lateTicks = 0;
  /** Frame periods run so far (`tick()` calls). */
  ticks = 0;
  /** Frame periods never run: the clock was more than `CATCH_UP_FRAMES` behind and resynced past them (lost audio). */
  skippedTicks = 0;
  /** The longest one tick's handlers ran, in ms, since the owner last set it to 0 (how long a burst the clock makes). */
  longestTickMs = 0;
  /** The time every tick's handlers have run, in ms, all told (the media's share of its thread, as a difference over a while). */
  busyMs = 0;

  constructor(private readonly periodMs = 20, options: MediaClockOptions = {}) {
    // Options in the period's place (`new MediaClock({ manual: true })`) made a clock that never
    // ticked and woke every 1 ms (Node's delay for a NaN timeout, with only a warning).
    if (typeof periodMs !== 'number' || !Number.isFinite(periodMs) || periodMs <= 0) {
      const given = typeof periodMs === 'number' ? String(periodMs) : JSON.stringify(periodMs);
      throw new RangeError(`MediaClock: the frame period must be a positive number of ms, got ${given}`);
    }
    this.manual = options.manual ?? false;
  }

  /** Registers a handler; returns its removal. Handlers run in the order they were added. */
  add(handler: Tick): () => void {
    if (!this.handlers.includes(handler)) this.handlers = [...this.handlers, handler];
    if (!this.running && !this.manual) this.start();
    return () => {
      if (!this.handlers.includes(handler)) return;
      this.handlers = this.handlers.filter((other) => other !== handler);
      if (this.handlers.length === 0) this.stop();
    };
  }

  /** Runs every handler once: one frame period of media. The timer calls it; a manual clock's owner does. */
  tick(): void {
    const started = performance.now();
    this.ticks++;
    // The handlers when the tick began: one added during it runs from the next tick; one removed
    // during it (the array was made again) is not run again.
    const handlers = this.handlers;
    for (let i = 0; i < handlers.length; i++) {
      const handler = handlers[i]!;
      if (this.handlers !== handlers && !this.handlers.includes(handler)) continue;
      handler();
    }
    const took = performance.now() - started;
    this.busyMs += took;
    if (took > this.longestTickMs) this.longestTickMs = took;
  }

  /** Starts the timer again after `stop()` (adding the first handler starts it). Idempotent; a manual clock has no timer. */
  start(): void {
    if (this.running || this.manual) return;
    this.running = true;
    const run = ++this.runs;
    this.next = performance.now() + this.periodMs;
    const loop = () => {
      this.timer = null;
      this.immediate = null;
      // A tick due within `TIMER_EARLY_MS` runs now (the period counts from `next`, so no drift).
      if (performance.now() >= this.next - TIMER_EARLY_MS) {
        this.tick();
        // A handler stopped the clock, or stopped and started it (that start runs its own loop).
        if (!this.running || run !== this.runs) return;
        this.next += this.periodMs;
        const now = performance.now();
        // More than CATCH_UP_FRAMES (200 ms) behind: resync, those frames are lost.
        if (now - this.next > this.periodMs * CATCH_UP_FRAMES) {
          // The periods from `next` up to now are not run.
          this.skippedTicks += Math.floor((now - this.next) / this.periodMs) + 1;
          this.next = now + this.periodMs;
        } else if (now >= this.next) {
          // Still behind: the next frame after the I/O that waited.
          this.lateTicks++;
          this.immediate = setImmediate(loop);
          return;
        }
      }
      this.timer = setTimeout(loop, Math.max(0, this.next - performance.now()));
    };
    this.timer = setTimeout(loop, this.periodMs);
  }

  /** Stops the timer (handlers stay registered). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    this.running = false;
  }
}
