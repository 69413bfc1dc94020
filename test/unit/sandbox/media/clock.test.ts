import { afterEach, describe, expect, it, vi } from 'vitest';
import { CATCH_UP_FRAMES, MediaClock, TIMER_EARLY_MS } from '../../../../sandbox/media/clock';

let clock: MediaClock | null = null;
afterEach(() => clock?.stop());

/** Blocks the event loop, as a burst of work in the sandbox's one thread does. */
function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: nothing else runs
  }
}

describe('MediaClock', () => {
  it('refuses a period that is not a positive number of ms (options passed in its place made a clock that never ticked)', () => {
    const asPeriod = (value: unknown) => value as number;
    expect(() => new MediaClock(asPeriod({ manual: true }))).toThrow(/frame period must be a positive number of ms, got \{"manual":true\}/);
    expect(() => new MediaClock(0)).toThrow(RangeError);
    expect(() => new MediaClock(Number.NaN)).toThrow(/got NaN$/);
    expect(() => new MediaClock(Number.POSITIVE_INFINITY)).toThrow(/got Infinity$/);
    expect(() => new MediaClock(-20, { manual: true })).toThrow(RangeError);
    // The default and a given period still make a clock.
    expect(new MediaClock(undefined, { manual: true })).toBeInstanceOf(MediaClock);
    expect(new MediaClock(20, { manual: true })).toBeInstanceOf(MediaClock);
  });

  it('runs handlers in the order added; one removed during a tick is not run, one added during it runs from the next', () => {
    clock = new MediaClock(20, { manual: true });
    const ran: string[] = [];
    let removeC: () => void = () => undefined;
    let added = false;
    clock.add(() => {
      ran.push('a');
      removeC(); // a later handler, removed before its turn
      if (!added) {
        added = true;
        clock!.add(() => ran.push('d'));
      }
    });
    clock.add(() => ran.push('b'));
    removeC = clock.add(() => ran.push('c'));
    clock.tick();
    expect(ran).toEqual(['a', 'b']);
    ran.length = 0;
    clock.tick();
    expect(ran).toEqual(['a', 'b', 'd']);
    removeC(); // removing twice changes nothing
    clock.tick();
    expect(ran).toEqual(['a', 'b', 'd', 'a', 'b', 'd']);
  });

  it('records the longest a tick ran, all handlers together, until its owner resets it', () => {
    clock = new MediaClock(20, { manual: true });
    clock.add(() => block(3));
    clock.add(() => block(3));
    clock.tick();
    expect(clock.longestTickMs).toBeGreaterThanOrEqual(6);
    clock.longestTickMs = 0;
    clock.tick();
    expect(clock.longestTickMs).toBeGreaterThanOrEqual(6);
  });

  it('adds up the time its handlers ran over every tick', () => {
    clock = new MediaClock(20, { manual: true });
    expect(clock.busyMs).toBe(0);
    clock.add(() => block(3));
    clock.tick();
    clock.tick();
    expect(clock.busyMs).toBeGreaterThanOrEqual(6);
    expect(clock.busyMs).toBeLessThan(1000);
  });

  it('catches up missed frames one event-loop turn apart, so what arrived meanwhile is read between them', async () => {
    clock = new MediaClock(20);
    // Each tick leaves work for the loop's next turn, as a datagram waiting in a socket is; a
    // caught-up tick must find the previous one's already done.
    let arrived = 0;
    const seen: Array<{ tick: number; arrived: number }> = [];
    let ticks = 0;
    const done = new Promise<void>((resolve) => {
      clock!.add(() => {
        ticks++;
        seen.push({ tick: ticks, arrived });
        setImmediate(() => arrived++);
        if (ticks === 1) block(90); // four or more periods missed
        if (ticks === 6) resolve();
      });
    });
    await done;
    expect(clock.lateTicks).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual(seen.map((_, i) => ({ tick: i + 1, arrived: i })));
    // Caught up, not skipped: every period ran.
    expect(clock.ticks).toBe(6);
    expect(clock.skippedTicks).toBe(0);
  });

  it('counts the periods it skips when too far behind to catch up, apart from those it ran', async () => {
    clock = new MediaClock(20);
    let ticks = 0;
    await new Promise<void>((resolve) => {
      clock!.add(() => {
        ticks++;
        if (ticks === 2) block(20 * (CATCH_UP_FRAMES + 5)); // 300 ms: more than the clock catches up
        if (ticks === 5) resolve();
      });
    });
    expect(clock.ticks).toBe(5);
    // 300 ms behind less the one period the blocked tick itself was: 15, give or take timer slack.
    expect(clock.skippedTicks).toBeGreaterThanOrEqual(CATCH_UP_FRAMES);
    expect(clock.skippedTicks).toBeLessThanOrEqual(CATCH_UP_FRAMES + 15);
  });

  it('starts again after stop, with its handlers; a manual clock has no timer to start', async () => {
    clock = new MediaClock(5);
    let ticks = 0;
    clock.add(() => ticks++);
    await expect.poll(() => ticks, { timeout: 2_000 }).toBeGreaterThan(0);
    clock.stop();
    const stopped = ticks;
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(ticks).toBe(stopped);
    clock.start();
    clock.start(); // already running: no second timer
    await expect.poll(() => ticks, { timeout: 2_000 }).toBeGreaterThan(stopped + 2);
    clock.stop();

    const manual = new MediaClock(5, { manual: true });
    let manualTicks = 0;
    manual.add(() => manualTicks++);
    manual.start();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(manualTicks).toBe(0);
  });

  it('stops when its last handler is removed, even from inside a tick', async () => {
    clock = new MediaClock(5);
    let ticks = 0;
    const remove = clock.add(() => {
      ticks++;
      remove();
    });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(ticks).toBe(1);
  });

  it('runs one timer loop when a tick removes its last handler and adds another: stop() then stops it', async () => {
    clock = new MediaClock(5);
    let ticks = 0;
    const remove = clock.add(() => {
      remove(); // the last handler: the clock stops…
      clock!.add(() => ticks++); // …and starts again, inside the same tick
    });
    await expect.poll(() => ticks, { timeout: 2_000 }).toBeGreaterThan(3);
    clock.stop();
    const stopped = ticks;
    await new Promise((resolve) => setTimeout(resolve, 60));
    // Two loops (the old tick's and the new start's): stop() cleared one timer and the other kept ticking.
    expect(ticks).toBe(stopped);
  });

  it('takes one timeout a tick: a timer that fires up to TIMER_EARLY_MS (2 ms) early runs the tick, no second timer for the rest', async () => {
    clock = new MediaClock(20);
    const timeouts = vi.spyOn(globalThis, 'setTimeout');
    // Just before the start: tick n is due n periods after the clock's own start, a little later.
    const started = performance.now();
    let ticks = 0;
    const early: number[] = [];
    await new Promise<void>((resolve) => {
      clock!.add(() => {
        ticks++;
        // It may come at most TIMER_EARLY_MS early (this reading can only understate how early).
        early.push(started + ticks * 20 - performance.now());
        if (ticks === 25) resolve();
      });
    });
    // The clock's own timeouts only (the test runner sets some of its own meanwhile): the start
    // set the first with the clock's loop, which sets every later one with itself.
    const loop = timeouts.mock.calls[0]![0];
    const clockTimeouts = timeouts.mock.calls.filter(([callback]) => callback === loop).length;
    timeouts.mockRestore();
    // Node's timers keep whole milliseconds: waiting out the rest took a second timeout (45–50 for 25 ticks here).
    expect(clockTimeouts).toBeLessThanOrEqual(ticks + 2);
    expect(Math.max(...early)).toBeLessThanOrEqual(TIMER_EARLY_MS);
  });
});
