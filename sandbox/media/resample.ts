/**
 * Sample-rate conversion to the 8 kHz of the phone network.
 *
 * A windowed-sinc low-pass interpolator: content above the target's Nyquist frequency is
 * filtered out rather than folded back as aliasing (speech at 22 kHz or music at 44.1 kHz
 * would otherwise turn hiss and sibilants into audible noise). The kernel is tabulated
 * once, so each output sample costs a few dozen multiply-adds.
 */

/** Zero crossings of the sinc on each side, at the lower of the two rates. */
const HALF_TAPS = 16;
/** Kernel table resolution: entries per zero crossing. */
const TABLE_STEPS = 256;

let kernel: Float32Array | null = null;

/** sinc(x)·Blackman window over [0, HALF_TAPS], tabulated. */
function kernelTable(): Float32Array {
  if (kernel) return kernel;
  kernel = new Float32Array(HALF_TAPS * TABLE_STEPS + 2);
  for (let i = 0; i < kernel.length; i++) {
    const x = i / TABLE_STEPS;
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const w = x >= HALF_TAPS ? 0 : 0.42 + 0.5 * Math.cos((Math.PI * x) / HALF_TAPS) + 0.08 * Math.cos((2 * Math.PI * x) / HALF_TAPS);
    kernel[i] = sinc * w;
  }
  return kernel;
}

/** Output samples converted between yields to the event loop (about 10 ms of CPU at worst). */
const SLICE = 8000;

/**
 * Converts mono samples from `fromRate` to `toRate` (default 8000) as 16-bit samples,
 * yielding to the event loop between slices so converting minutes of audio never stalls
 * the media clock of calls in progress.
 */
export async function resampleAsync(samples: Int16Array | Float32Array, fromRate: number, toRate = 8000): Promise<Int16Array> {
  const job = new Resampling(samples, fromRate, toRate);
  while (job.run(SLICE)) await yieldToEventLoop();
  return job.out;
}

/** Lets timers and I/O run before continuing a long computation. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** One conversion, computed in steps. */
class Resampling {
  readonly out: Int16Array;
  private next = 0;
  private readonly ratio: number;
  private readonly scale: number;
  private readonly reach: number;

  constructor(private readonly samples: Int16Array | Float32Array, fromRate: number, toRate: number) {
    if (!(fromRate > 0) || !(toRate > 0)) throw new Error(`sample rates must be positive (got ${fromRate} → ${toRate})`);
    this.ratio = fromRate / toRate;
    // Downsampling stretches the kernel so its cutoff sits just under the new Nyquist frequency.
    this.scale = Math.min(1, toRate / fromRate) * 0.95;
    this.reach = HALF_TAPS / this.scale;
    this.out = new Int16Array(Math.floor((samples.length * toRate) / fromRate));
    if (fromRate === toRate) {
      // Nothing to filter: a copy, rounded and clipped to 16 bits.
      for (let i = 0; i < samples.length; i++) {
        const v = Math.round(samples[i]!);
        this.out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
      this.next = this.out.length;
    }
  }

  /** Computes up to `count` more output samples; true while some remain. */
  run(count: number): boolean {
    const { samples, out, ratio, scale, reach } = this;
    const table = kernelTable();
    const last = samples.length - 1;
    const end = Math.min(out.length, this.next + count);
    for (let n = this.next; n < end; n++) {
      const t = n * ratio;
      const first = Math.max(0, Math.ceil(t - reach));
      const stop = Math.min(last, Math.floor(t + reach));
      let sum = 0;
      for (let k = first; k <= stop; k++) {
        const position = Math.abs(t - k) * scale * TABLE_STEPS;
        const index = position | 0;
        const weight = table[index]! + (table[index + 1]! - table[index]!) * (position - index);
        sum += samples[k]! * weight;
      }
      const v = Math.round(sum * scale);
      out[n] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    this.next = end;
    return end < out.length;
  }
}
