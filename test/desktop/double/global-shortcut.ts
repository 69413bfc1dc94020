/** `globalShortcut`. */
import { app } from './app';
import { state } from './state';

const MODIFIERS = new Map<string, string>([
  ['command', 'command'],
  ['cmd', 'command'],
  ['control', 'control'],
  ['ctrl', 'control'],
  ['commandorcontrol', 'commandorcontrol'],
  ['cmdorctrl', 'commandorcontrol'],
  ['alt', 'alt'],
  ['option', 'alt'],
  ['altgr', 'altgr'],
  ['shift', 'shift'],
  ['super', 'super'],
  ['meta', 'super'],
]);
const KEY =
  /^([a-z0-9]|f([1-9]|1[0-9]|2[0-4])|plus|space|tab|capslock|numlock|scrolllock|backspace|delete|insert|return|enter|up|down|left|right|home|end|pageup|pagedown|escape|esc|volumeup|volumedown|volumemute|medianexttrack|mediaprevioustrack|mediastop|mediaplaypause|printscreen|num[0-9]|numdec|numadd|numsub|nummult|numdiv|[)!@#$%^&*(:;:+=<,_\-.>?/~`{\][|\\}"'])$/;

/** A canonical form of an accelerator, or null when Electron would reject it. */
export function canonicalAccelerator(accelerator: string): string | null {
  const parts = accelerator.split('+');
  // "Plus" is how '+' is written; a trailing '+' means the key is '+' itself.
  if (accelerator.endsWith('++')) parts.splice(parts.length - 2, 2, '+');
  const key = parts.pop()?.toLowerCase();
  if (!key || !KEY.test(key)) return null;
  const modifiers = new Set<string>();
  for (const part of parts) {
    const modifier = MODIFIERS.get(part.toLowerCase());
    if (!modifier || modifiers.has(modifier)) return null;
    modifiers.add(modifier);
  }
  const normalisedKey = key === 'esc' ? 'escape' : key === 'return' ? 'enter' : key;
  return [...[...modifiers].sort(), normalisedKey].join('+');
}

/** `globalShortcut`. */
export const globalShortcut = {
  registrations: new Map<string, { accelerator: string; callback: () => void }>(),
  failures: new Map<string, 'taken' | 'throw'>(),
  /** Linux: accelerators "registered" while another app holds them; pressing them reaches the other app. */
  silentlyDead: new Set<string>(),
  register(accelerator: string, callback: () => void): boolean {
    if (!app.isReady()) throw new Error('globalShortcut cannot be used before the app is ready');
    const canonical = canonicalAccelerator(accelerator);
    const failure = canonical ? this.failures.get(canonical) : undefined;
    if (!canonical || failure === 'throw') {
      throw new TypeError(`Error processing argument at index 0, conversion failure from ${accelerator}`);
    }
    if (this.registrations.has(canonical)) return false;
    if (failure === 'taken') {
      // Another app holds it. macOS and Windows refuse (false); on Linux (X11) the grab fails
      // after the call returned, so Electron reports success and the shortcut never fires.
      if (state.config.platform !== 'linux') return false;
      this.silentlyDead.add(canonical);
    }
    this.registrations.set(canonical, { accelerator, callback });
    return true;
  },
  registerAll(accelerators: string[], callback: () => void): void {
    for (const accelerator of accelerators) this.register(accelerator, callback);
  },
  isRegistered(accelerator: string): boolean {
    const canonical = canonicalAccelerator(accelerator);
    return canonical !== null && this.registrations.has(canonical);
  },
  unregister(accelerator: string): void {
    const canonical = canonicalAccelerator(accelerator);
    if (canonical) {
      this.registrations.delete(canonical);
      this.silentlyDead.delete(canonical);
    }
  },
  unregisterAll(): void {
    this.registrations.clear();
    this.silentlyDead.clear();
  },
  /**
   * Test: makes registering `accelerator` fail — `'taken'` (another app holds it: register
   * returns false on macOS and Windows, and silently succeeds on Linux, where the shortcut
   * then never fires) or `'throw'` (Electron throws).
   */
  failRegistration(accelerator: string, mode: 'taken' | 'throw' = 'taken'): void {
    const canonical = canonicalAccelerator(accelerator);
    if (!canonical) throw new Error(`failRegistration: ${accelerator} is not an accelerator`);
    this.failures.set(canonical, mode);
  },
  /** Test: the user pressed `accelerator`. Returns false when nothing is registered for it. */
  press(accelerator: string): boolean {
    const canonical = canonicalAccelerator(accelerator);
    const registration = canonical ? this.registrations.get(canonical) : undefined;
    if (!registration || this.silentlyDead.has(canonical ?? '')) return false;
    registration.callback();
    return true;
  },
  /** Test: the accelerators registered now, as main spelled them. */
  registered(): string[] {
    return [...this.registrations.values()].map((registration) => registration.accelerator);
  },
  /** @internal */
  resetDouble(): void {
    this.registrations.clear();
    this.failures.clear();
    this.silentlyDead.clear();
  },
};
