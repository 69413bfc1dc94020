/**
 * Backend configuration, read from environment variables.
 *
 * Everything the backend needs to know about its surroundings (where it listens, where it
 * keeps data, which Vonage application it signs tokens for, where the Client SDK connects)
 * comes from here, so the same code serves the Vonage cloud and the local sandbox.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where the Vonage Client SDK connects (the cloud by default, the sandbox when embedded). */
export interface SdkConnection {
  /** REST base URL, e.g. `https://api-us.vonage.com`. */
  apiUrl: string;
  /** Socket base URL, e.g. `https://ws-us.vonage.com`. */
  websocketUrl: string;
}

/**
 * The backend's validated configuration.
 *
 * Built by {@link loadServerConfig}; launchers may also build one directly.
 */
export interface ServerConfig {
  /** TCP port to listen on; 0 picks a free one (`SERVER_PORT`). */
  port: number;
  /** Interface to bind (`SERVER_HOST`). */
  host: string;
  /** Folder for the application key and other local state (`DATA_DIR`). */
  dataDir: string;
  /**
   * The PostgreSQL database holding everything the backend stores (`DATABASE_URL`,
   * `postgres://user:password@host:port/database`). Null when unset: `buildServer` then needs
   * storage passed in, and the launchers start the embedded server and set it.
   */
  databaseUrl: string | null;
  /** Base URL under which Vonage reaches the webhooks (`PUBLIC_URL`). */
  publicUrl: string;
  /** Vonage application id whose key signs SDK tokens (`VONAGE_APPLICATION_ID`). */
  applicationId: string;
  /** PEM file holding the application's RSA private key (`VONAGE_PRIVATE_KEY_PATH`). */
  privateKeyPath: string;
  /** What clients' SDKs connect to (`VONAGE_API_URL`, `VONAGE_WS_URL`). */
  sdk: SdkConnection;
  /** The contact center's number in E.164 digits without `+` (`CONTACT_NUMBER`). */
  contactNumber: string | null;
  /** Key of the seed guide's `POST /api/jwt`; null disables that endpoint (`MOBILE_API_KEY`). */
  mobileApiKey: string | null;
  /** The admin API's bearer token; null means generated once under the data folder (`ADMIN_TOKEN`). */
  adminToken: string | null;
  /** Secret Vonage signs webhooks with; when set, unsigned or tampered webhooks get 401 (`VONAGE_SIGNATURE_SECRET`). */
  signatureSecret: string | null;
  /** Lifetime of SDK JWTs in seconds (`SDK_TOKEN_TTL_S`). */
  sdkTokenTtlS: number;
  /** After-call work after each answered call, in seconds; 0 for none (`WRAP_UP_S`). */
  wrapUpS: number;
  /** How long an agent's app may be disconnected before they go offline, in seconds (`PRESENCE_GRACE_S`). */
  presenceGraceS: number;
  /** After this many seconds an agent's reservation for a call counts as free, whatever became of the ring (`RESERVATION_TTL_S`). */
  reservationTtlS: number;
  /** How long an app's report that its voice session is up counts, in seconds; the app renews it every 5 s (`VOICE_LEASE_S`). */
  voiceLeaseS: number;
  /** Built web UI to serve at `/app/`, or null (`RENDERER_DIR`). */
  rendererDir: string | null;
  /** Built operator console to serve at `/console/`, or null (`CONSOLE_DIR`). */
  consoleDir: string | null;
  /** Origins allowed to call the API from a browser (`CORS_ORIGINS`). */
  corsOrigins: string[];
  /** Optional JSON file of agents created at start-up (`SEED_AGENTS_FILE`). */
  seedAgentsFile: string | null;
  /** pino level (`LOG_LEVEL`). */
  logLevel: LogLevel;
}

/** Log levels pino understands. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Environment variables as `process.env` has them. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Default after-call work: 30 s, time to finish notes before the next call is offered. */
export const DEFAULT_WRAP_UP_S = 30;

/** Default grace for a dropped app connection: 30 s, enough for a network blip or a backend restart. */
export const DEFAULT_PRESENCE_GRACE_S = 30;

/** Default reservation lifetime: a ring (up to 45 s) and its grace; routing releases reservations itself long before. */
export const DEFAULT_RESERVATION_TTL_S = 60;

/** Default voice lease: 15 s, three of the app's 5 s renewals; an app gone quiet longer is offered no calls. */
export const DEFAULT_VOICE_LEASE_S = 15;

/** Default lifetime of SDK tokens: 3 h, above Vonage's 2 h call limit, so a call never outlives its token. */
export const DEFAULT_SDK_TOKEN_TTL_S = 10_800;

/**
 * Error thrown for a bad configuration value.
 *
 * Carries the variable's name so the message tells the operator exactly what to fix.
 */
export class ConfigError extends Error {
  /** The environment variable at fault. */
  readonly variable: string;

  constructor(variable: string, problem: string) {
    super(`${variable} ${problem}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

/**
 * Default data folder: `$XDG_DATA_HOME/switchboard`, or `~/.local/share/switchboard`.
 *
 * Kept outside the repository so no database or key ever ends up in a commit.
 */
export function defaultDataDir(env: Env): string {
  const xdg = env.XDG_DATA_HOME?.trim();
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'switchboard');
}

/**
 * Parse and validate the backend configuration.
 *
 * Throws a {@link ConfigError} naming the variable for any missing or malformed value.
 */
export function loadServerConfig(env: Env): ServerConfig {
  const port = readInt(env, 'SERVER_PORT', 3030, 0, 65_535);
  const host = readString(env, 'SERVER_HOST') ?? '127.0.0.1';
  const dataDirRaw = readString(env, 'DATA_DIR');
  const dataDir = dataDirRaw ? path.resolve(dataDirRaw) : defaultDataDir(env);

  const databaseRaw = readString(env, 'DATABASE_URL');
  const databaseUrl = databaseRaw === undefined ? null : checkDatabaseUrl(databaseRaw);

  const publicUrl = stripTrailingSlash(readUrl(env, 'PUBLIC_URL', ['http:', 'https:']) ?? `http://${urlHost(host)}:${port}`);

  const applicationId = readString(env, 'VONAGE_APPLICATION_ID');
  if (!applicationId) throw new ConfigError('VONAGE_APPLICATION_ID', 'is required (the Vonage application id)');
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(applicationId)) {
    throw new ConfigError('VONAGE_APPLICATION_ID', 'must be an application id (letters, digits, dot, dash, underscore)');
  }

  const privateKeyPathRaw = readString(env, 'VONAGE_PRIVATE_KEY_PATH');
  if (!privateKeyPathRaw) throw new ConfigError('VONAGE_PRIVATE_KEY_PATH', 'is required (path of the application private key PEM file)');
  const privateKeyPath = path.resolve(privateKeyPathRaw);
  if (!isReadableFile(privateKeyPath)) {
    throw new ConfigError('VONAGE_PRIVATE_KEY_PATH', `does not name a readable file: ${privateKeyPath}`);
  }

  const apiUrl = stripTrailingSlash(readUrl(env, 'VONAGE_API_URL', ['http:', 'https:']) ?? 'https://api-us.vonage.com');
  const websocketUrl = stripTrailingSlash(
    readUrl(env, 'VONAGE_WS_URL', ['http:', 'https:', 'ws:', 'wss:']) ?? 'https://ws-us.vonage.com',
  );

  const contactRaw = readString(env, 'CONTACT_NUMBER');
  let contactNumber: string | null = null;
  if (contactRaw) {
    // Vonage writes numbers as bare E.164 digits; accept a leading + for convenience.
    const digits = contactRaw.replace(/^\+/, '');
    if (!/^[1-9][0-9]{6,14}$/.test(digits)) {
      throw new ConfigError('CONTACT_NUMBER', 'must be an E.164 number in digits, e.g. 14155550199');
    }
    contactNumber = digits;
  }

  const mobileApiKey = readString(env, 'MOBILE_API_KEY') ?? null;
  if (mobileApiKey !== null && mobileApiKey.length < 16) {
    throw new ConfigError('MOBILE_API_KEY', 'must be at least 16 characters when set');
  }
  if (mobileApiKey !== null && mobileApiKey.length > 512) {
    throw new ConfigError('MOBILE_API_KEY', 'must be at most 512 characters');
  }

  const adminToken = readString(env, 'ADMIN_TOKEN') ?? null;
  if (adminToken !== null && (adminToken.length < 32 || adminToken.length > 512 || /\s/.test(adminToken))) {
    throw new ConfigError('ADMIN_TOKEN', 'must be 32 to 512 characters without spaces when set');
  }

  const signatureSecret = readString(env, 'VONAGE_SIGNATURE_SECRET') ?? null;
  if (signatureSecret !== null && (signatureSecret.length < 16 || signatureSecret.length > 512)) {
    throw new ConfigError('VONAGE_SIGNATURE_SECRET', 'must be 16 to 512 characters when set');
  }

  // Vonage rejects SDK tokens valid for more than 24 h; below a minute they are useless.
  const sdkTokenTtlS = readInt(env, 'SDK_TOKEN_TTL_S', DEFAULT_SDK_TOKEN_TTL_S, 60, 86_400);
  const wrapUpS = readInt(env, 'WRAP_UP_S', DEFAULT_WRAP_UP_S, 0, 3_600);
  const presenceGraceS = readInt(env, 'PRESENCE_GRACE_S', DEFAULT_PRESENCE_GRACE_S, 1, 3_600);
  const reservationTtlS = readInt(env, 'RESERVATION_TTL_S', DEFAULT_RESERVATION_TTL_S, 5, 3_600);
  const voiceLeaseS = readInt(env, 'VOICE_LEASE_S', DEFAULT_VOICE_LEASE_S, 1, 600);

  const rendererRaw = readString(env, 'RENDERER_DIR');
  let rendererDir: string | null = null;
  if (rendererRaw) {
    rendererDir = path.resolve(rendererRaw);
    if (!isDirectory(rendererDir)) throw new ConfigError('RENDERER_DIR', `is not a folder: ${rendererDir}`);
  }

  const consoleRaw = readString(env, 'CONSOLE_DIR');
  let consoleDir: string | null = null;
  if (consoleRaw) {
    consoleDir = path.resolve(consoleRaw);
    if (!isDirectory(consoleDir)) throw new ConfigError('CONSOLE_DIR', `is not a folder: ${consoleDir}`);
  }

  const corsOrigins = readOrigins(env, 'CORS_ORIGINS');

  const seedRaw = readString(env, 'SEED_AGENTS_FILE');
  const seedAgentsFile = seedRaw ? path.resolve(seedRaw) : null;
  if (seedAgentsFile && !isReadableFile(seedAgentsFile)) {
    throw new ConfigError('SEED_AGENTS_FILE', `does not name a readable file: ${seedAgentsFile}`);
  }

  const level = (readString(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!isLogLevel(level)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);

  return {
    port,
    host,
    dataDir,
    databaseUrl,
    publicUrl,
    applicationId,
    privateKeyPath,
    sdk: { apiUrl, websocketUrl },
    contactNumber,
    mobileApiKey,
    adminToken,
    signatureSecret,
    sdkTokenTtlS,
    wrapUpS,
    presenceGraceS,
    reservationTtlS,
    voiceLeaseS,
    rendererDir,
    consoleDir,
    corsOrigins,
    seedAgentsFile,
    logLevel: level,
  };
}

/**
 * Check a PostgreSQL connection string (`DATABASE_URL`) and return it unchanged.
 *
 * The message never repeats the value: it usually holds a password.
 */
export function checkDatabaseUrl(raw: string, variable = 'DATABASE_URL'): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(variable, 'must be a PostgreSQL URL like postgres://user:password@host:5432/database');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(variable, `must use postgres or postgresql, got "${url.protocol}"`);
  }
  if (!url.hostname && !url.searchParams.has('host')) throw new ConfigError(variable, 'must name a host');
  return raw;
}

function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

function readString(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function readInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = readString(env, name);
  if (raw === undefined) return fallback;
  if (!/^[0-9]+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function readUrl(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = readString(env, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an absolute URL, got "${raw}"`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(name, `must use ${protocols.map((p) => p.replace(':', '')).join(' or ')}, got "${url.protocol}"`);
  }
  if (url.username || url.password) throw new ConfigError(name, 'must not hold credentials');
  return url.href;
}

function readOrigins(env: Env, name: string): string[] {
  const raw = readString(env, name);
  if (raw === undefined) return [];
  const origins: string[] = [];
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    // A wildcard together with credentialed requests would let any site act as the agent.
    if (part === '*') throw new ConfigError(name, 'must list origins explicitly; "*" is not allowed');
    let url: URL;
    try {
      url = new URL(part);
    } catch {
      throw new ConfigError(name, `holds "${part}", which is not an origin like https://host:port`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== part.replace(/\/$/, '')) {
      throw new ConfigError(name, `holds "${part}", which is not an origin like https://host:port`);
    }
    origins.push(url.origin);
  }
  return origins;
}

function stripTrailingSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}

function urlHost(host: string): string {
  // Binding to all interfaces says nothing about how to reach us; loopback is the safe guess.
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function isReadableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
