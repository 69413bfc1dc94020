/**
 * Desktop configuration: defaults in one place, overridable from the environment.
 */

/** The backend the app talks to when nothing else is configured (the embedded platform). */
export const DEFAULT_SERVER_URL = 'http://127.0.0.1:3030';

/** Global accelerators, chosen to be unlikely to clash with the agents' other tools. */
export const DEFAULT_SHORTCUTS = {
  answer: 'CommandOrControl+Alt+A',
  hangup: 'CommandOrControl+Alt+H',
  mute: 'CommandOrControl+Alt+M',
  hold: 'CommandOrControl+Alt+P',
} as const;

/** The two accelerators the app registers. */
export interface ShortcutConfig {
  /** Answers a ringing call. */
  answer: string;
  /** Declines a ringing call or hangs up the active one. */
  hangup: string;
  /** Mutes or unmutes the call in progress; empty: turned off (not registered). */
  mute?: string;
  /** Holds or resumes the call in progress; empty: turned off (not registered). */
  hold?: string;
}

/** Everything main reads from its environment. */
export interface DesktopConfig {
  serverUrl: string;
  shortcuts: ShortcutConfig;
  /** The auto-update feed (electron-updater, generic provider); null = no auto-update. */
  updateUrl: string | null;
}

/** The environment variables read by {@link loadConfig}. */
export const CONFIG_ENV = {
  serverUrl: 'SWITCHBOARD_SERVER_URL',
  answerShortcut: 'SWITCHBOARD_ANSWER_SHORTCUT',
  hangupShortcut: 'SWITCHBOARD_HANGUP_SHORTCUT',
  updateUrl: 'SWITCHBOARD_UPDATE_URL',
  muteShortcut: 'SWITCHBOARD_MUTE_SHORTCUT',
  holdShortcut: 'SWITCHBOARD_HOLD_SHORTCUT',
} as const;

/**
 * Reads the configuration from an environment (normally `process.env`).
 *
 * Empty values count as unset, except for the optional mute and hold shortcuts, which an
 * empty value turns off. The server URL must be http(s); anything else is a
 * deployment mistake worth failing loudly for at startup.
 */
export function loadConfig(env: Record<string, string | undefined>): DesktopConfig {
  const pick = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const serverUrl = (pick(CONFIG_ENV.serverUrl) ?? DEFAULT_SERVER_URL).replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(serverUrl);
  } catch {
    throw new Error(`${CONFIG_ENV.serverUrl} is not a valid URL: ${serverUrl}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`${CONFIG_ENV.serverUrl} must be an http(s) URL: ${serverUrl}`);
  }
  const updateUrl = pick(CONFIG_ENV.updateUrl)?.replace(/\/+$/, '') ?? null;
  if (updateUrl !== null && !/^https?:$/.test(URL.parse(updateUrl)?.protocol ?? '')) {
    throw new Error(`${CONFIG_ENV.updateUrl} must be an http(s) URL: ${updateUrl}`);
  }
  return {
    serverUrl,
    updateUrl,
    shortcuts: {
      answer: pick(CONFIG_ENV.answerShortcut) ?? DEFAULT_SHORTCUTS.answer,
      hangup: pick(CONFIG_ENV.hangupShortcut) ?? DEFAULT_SHORTCUTS.hangup,
      // Set but empty turns the shortcut off (it may clash with an agent's other tools).
      ...optionalShortcut('mute', env[CONFIG_ENV.muteShortcut], DEFAULT_SHORTCUTS.mute),
      ...optionalShortcut('hold', env[CONFIG_ENV.holdShortcut], DEFAULT_SHORTCUTS.hold),
    },
  };
}

/** An optional accelerator: the default when unset, turned off ('') when set to an empty value. */
function optionalShortcut(kind: 'mute' | 'hold', value: string | undefined, fallback: string): Partial<ShortcutConfig> {
  return { [kind]: value === undefined ? fallback : value.trim() };
}

/**
 * How the app's electron-store is opened (shared by `main/index.ts` and the harness).
 *
 * A corrupted file only costs the agent a sign-in; refusing to start would cost the day.
 */
export const VAULT_STORE_OPTIONS = { name: 'switchboard', clearInvalidConfig: true } as const;
