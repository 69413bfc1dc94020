/**
 * The fictional numbers the Numbers API sells: the configured ranges, walked in order.
 * Which of them the account owns is the store's business; the pool only says what exists.
 */
import type { NumberRange } from '../config';
import type { NumberType } from './store';

/** One number of the pool. */
export interface PoolNumber {
  msisdn: string;
  country: string;
  type: NumberType;
  features: string[];
}

/** The numbers of the configured ranges. */
export class NumberPool {
  constructor(private readonly ranges: readonly NumberRange[]) {}

  /** The pool's number with these digits, if the pool has it. */
  find(msisdn: string): PoolNumber | undefined {
    for (const range of this.ranges) {
      if (msisdn.length === range.first.length && msisdn >= range.first && msisdn <= range.last) return numberOf(range, msisdn);
    }
    return undefined;
  }

  /** Every number of the pool in a country (ISO code, upper case), range by range, in order. */
  *inCountry(country: string): Generator<PoolNumber> {
    for (const range of this.ranges) {
      if (range.country !== country) continue;
      const first = Number(range.first);
      const last = Number(range.last);
      for (let n = first; n <= last; n++) yield numberOf(range, String(n));
    }
  }
}

function numberOf(range: NumberRange, msisdn: string): PoolNumber {
  return { msisdn, country: range.country, type: range.type, features: [...range.features] };
}
