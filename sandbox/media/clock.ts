/**
 * One 20 ms clock for all media in the sandbox.
 *
 * Every source that produces frames (phones, mixers) ticks from this single timer
 * rather than keeping a timer each: one wake-up a frame period however many calls run.
 */

export type Tick = () => void;

/** How a clock runs. */
export interface MediaClockOptions {
  /** No timer: the owner calls `tick()` (tests drive media frame by frame, without sleeping). */
  manual?: boolean;
}

/** Drives registered tick handlers every 20 ms, catching up when the event loop was late. */
export class MediaClock {
  private readonly handlers = new Set<Tick>();
  private timer: NodeJS.Timeout | null = null;
  private next = 0;
  private readonly manual: boolean;
  /** Frames that ran late and were caught up (a measure of event-loop pressure). */
  lateTicks = 0;

  constructor(private readonly periodMs = 20, options: MediaClockOptions = {}) {
    this.manual = options.manual ?? false;
  }

  /** Registers a handler; returns its removal. Handlers run in the order they were added. */
  add(handler: Tick): () => void {
    this.handlers.add(handler);
    if (!this.timer && !this.manual) this.start();
    return () => {
      this.handlers.delete(handler);
      if (this.handlers.size === 0) this.stop();
    };
  }

  /** Runs every handler once: one frame period of media. The timer calls it; a manual clock's owner does. */
  tick(): void {
    for (const handler of this.handlers) handler();
  }

  private start(): void {
    this.next = performance.now() + this.periodMs;
    const loop = () => {
      const now = performance.now();
      let runs = 0;
      while (now >= this.next && runs < 5) {
        this.tick();
        this.next += this.periodMs;
        runs++;
      }
      if (runs > 1) this.lateTicks += runs - 1;
      if (now - this.next > this.periodMs * 5) this.next = now + this.periodMs;
      this.timer = setTimeout(loop, Math.max(0, this.next - performance.now()));
    };
    this.timer = setTimeout(loop, this.periodMs);
  }

  /** Stops the timer (handlers stay registered). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
