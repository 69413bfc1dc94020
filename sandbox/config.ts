/**
 * Sandbox settings, from the environment or from the launcher.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { NumberType } from './state/store';

/** A block of fictional numbers the Numbers API offers (`/number/search`, `/number/buy`). */
export interface NumberRange {
  /** ISO 3166-1 alpha-2, upper case. */
  country: string;
  type: NumberType;
  /** First and last number of the block: E.164 digits (no plus) of the same length. */
  first: string;
  last: string;
  /** What the numbers support: `VOICE`, `SMS`, `MMS`. */
  features: string[];
}

/**
 * The numbers the sandbox sells unless `SANDBOX_NUMBER_POOL` says otherwise: ranges set aside
 * for fiction, so no real subscriber is ever dialled — North America's 555-0100 to 555-0199
 * (here in San Francisco's 415, the range the demo already uses, and Vancouver's 604) and
 * Ofcom's drama ranges for the UK (mobile 07700 900xxx, London 020 7946 0xxx).
 */
export const DEFAULT_NUMBER_POOL: readonly NumberRange[] = [
  { country: 'US', type: 'landline', first: '14155550100', last: '14155550199', features: ['VOICE', 'SMS'] },
  { country: 'CA', type: 'landline', first: '16045550100', last: '16045550199', features: ['VOICE', 'SMS'] },
  { country: 'GB', type: 'mobile-lvn', first: '447700900000', last: '447700900099', features: ['VOICE', 'SMS'] },
  { country: 'GB', type: 'landline', first: '442079460000', last: '442079460099', features: ['VOICE'] },
];

/** The most numbers one range may hold (the Numbers API searches the pool by walking it). */
const MAX_RANGE_SIZE = 100_000;
const NUMBER_TYPES: readonly NumberType[] = ['landline', 'mobile-lvn', 'landline-toll-free'];

/**
 * Parses `SANDBOX_NUMBER_POOL`: comma-separated `COUNTRY[:type]:first-last`, e.g.
 * `US:14155550100-14155550199,GB:mobile-lvn:447700900000-447700900099`. The type defaults to
 * landline; every number offers VOICE and SMS.
 */
export function parseNumberPool(value: string): NumberRange[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const parts = entry.split(':');
      const bad = (why: string) => new Error(`SANDBOX_NUMBER_POOL entry "${entry}" ${why}; expected COUNTRY[:type]:first-last, like US:14155550100-14155550199`);
      if (parts.length < 2 || parts.length > 3) throw bad('is not in the form');
      const country = parts[0]!.toUpperCase();
      if (!/^[A-Z]{2}$/.test(country)) throw bad('has no two-letter country code');
      const type = (parts.length === 3 ? parts[1] : 'landline') as NumberType;
      if (!NUMBER_TYPES.includes(type)) throw bad(`has an unknown type (one of ${NUMBER_TYPES.join(', ')})`);
      const match = /^([1-9][0-9]{5,14})-([1-9][0-9]{5,14})$/.exec(parts.at(-1)!);
      if (!match) throw bad('has no range of E.164 numbers');
      const [, first, last] = match as unknown as [string, string, string];
      if (first.length !== last.length || Number(first) > Number(last)) throw bad('needs a first and last number of the same length, in order');
      if (Number(last) - Number(first) + 1 > MAX_RANGE_SIZE) throw bad(`holds more than ${MAX_RANGE_SIZE} numbers`);
      return { country, type, first, last, features: ['VOICE', 'SMS'] };
    });
}

/** What the sandbox needs to run. */
export interface SandboxConfig {
  port: number;
  host: string;
  /** Folder for the sandbox's state (applications, numbers). */
  dataDir: string;
  /** Address offered to WebRTC peers as the media host candidate. */
  mediaAddress: string;
  /** The one UDP port every call's WebRTC media uses, on `mediaAddress` (0: any free port). */
  mediaPort?: number;
  verbose: boolean;
  /** The numbers the Numbers API sells; {@link DEFAULT_NUMBER_POOL} when not given. */
  numberPool?: readonly NumberRange[];
}

/**
 * The default data folder: under the user's data folder, never inside the repository.
 *
 * The same rule as the backend's (`server/config.ts`), so that both services started alone
 * share one folder; the sandbox keeps its own copy because it must not depend on server/.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_DATA_HOME?.trim();
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.local', 'share');
  return join(base, 'switchboard');
}

function port(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number (0-65535), got "${value}"`);
  return n;
}

/** Reads `SANDBOX_PORT`, `SANDBOX_HOST`, `DATA_DIR`, `SANDBOX_MEDIA_ADDRESS`, `SANDBOX_MEDIA_PORT`, `SANDBOX_VERBOSE`, `SANDBOX_NUMBER_POOL`. */
export function loadSandboxConfig(env: NodeJS.ProcessEnv = process.env): SandboxConfig {
  return {
    port: port(env.SANDBOX_PORT, 'SANDBOX_PORT', 3040),
    host: env.SANDBOX_HOST || '127.0.0.1',
    dataDir: join(env.DATA_DIR || defaultDataDir(env), 'sandbox'),
    mediaAddress: env.SANDBOX_MEDIA_ADDRESS || '127.0.0.1',
    mediaPort: port(env.SANDBOX_MEDIA_PORT, 'SANDBOX_MEDIA_PORT', 0),
    verbose: env.SANDBOX_VERBOSE === '1',
    numberPool: env.SANDBOX_NUMBER_POOL?.trim() ? parseNumberPool(env.SANDBOX_NUMBER_POOL) : DEFAULT_NUMBER_POOL,
  };
}
