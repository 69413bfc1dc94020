/**
 * Sandbox settings, from the environment or from the launcher.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** What the sandbox needs to run. */
export interface SandboxConfig {
  port: number;
  host: string;
  /** Folder for the sandbox's state (applications, numbers). */
  dataDir: string;
  /** Address offered to WebRTC peers as the media host candidate. */
  mediaAddress: string;
  verbose: boolean;
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

/** Reads `SANDBOX_PORT`, `SANDBOX_HOST`, `DATA_DIR`, `SANDBOX_MEDIA_ADDRESS`, `SANDBOX_VERBOSE`. */
export function loadSandboxConfig(env: NodeJS.ProcessEnv = process.env): SandboxConfig {
  return {
    port: port(env.SANDBOX_PORT, 'SANDBOX_PORT', 3040),
    host: env.SANDBOX_HOST || '127.0.0.1',
    dataDir: join(env.DATA_DIR || defaultDataDir(env), 'sandbox'),
    mediaAddress: env.SANDBOX_MEDIA_ADDRESS || '127.0.0.1',
    verbose: env.SANDBOX_VERBOSE === '1',
  };
}
