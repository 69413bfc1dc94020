/**
 * `electron` for the preload when it runs in a plain Chromium page (desktop harness).
 *
 * The harness bundles `preload/index.ts` with `electron` aliased to this file, so the real
 * preload code runs unchanged. `ipcRenderer` crosses to the Electron double in Node through
 * the Playwright bindings the double installed (`__sbIpcInvoke`, `__sbIpcSend`); events
 * from main arrive through `__sbIpcDispatch`, which the double calls with `page.evaluate`.
 * `contextBridge.exposeInMainWorld` defines a frozen, read-only global, in the main frame
 * only, as Electron does for a preload without `nodeIntegrationInSubFrames`.
 */

type Listener = (event: RendererEvent, ...args: unknown[]) => void;

/** What an `ipcRenderer.on` listener receives as its first argument. */
interface RendererEvent {
  senderId: number;
  ports: never[];
}

type Binding = (channel: string, args: unknown[]) => Promise<unknown>;

const listeners = new Map<string, Set<Listener>>();

function binding(name: '__sbIpcInvoke' | '__sbIpcSend'): Binding {
  // Looked up per call: Playwright installs bindings in each new document, and the order
  // against init scripts is not guaranteed.
  const candidate = (window as unknown as Record<string, unknown>)[name];
  if (typeof candidate !== 'function') throw new Error(`Desktop harness binding ${name} is missing`);
  return candidate as Binding;
}

function dispatch(channel: string, args: unknown[]): void {
  const event: RendererEvent = { senderId: 0, ports: [] };
  for (const listener of [...(listeners.get(channel) ?? [])]) {
    try {
      listener(event, ...args);
    } catch (error) {
      console.error(`ipcRenderer listener for ${channel} threw`, error);
    }
  }
}

Object.defineProperty(window, '__sbIpcDispatch', { value: dispatch, enumerable: false, writable: false, configurable: false });

/** The part of `ipcRenderer` the preload uses. */
export const ipcRenderer = {
  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    return binding('__sbIpcInvoke')(channel, args);
  },
  send(channel: string, ...args: unknown[]): void {
    binding('__sbIpcSend')(channel, args).catch((error: unknown) => console.error(`ipcRenderer.send(${channel}) failed`, error));
  },
  on(channel: string, listener: Listener) {
    let set = listeners.get(channel);
    if (!set) listeners.set(channel, (set = new Set()));
    set.add(listener);
    return ipcRenderer;
  },
  once(channel: string, listener: Listener) {
    const wrapper: Listener = (event, ...args) => {
      ipcRenderer.removeListener(channel, wrapper);
      listener(event, ...args);
    };
    return ipcRenderer.on(channel, wrapper);
  },
  removeListener(channel: string, listener: Listener) {
    listeners.get(channel)?.delete(listener);
    return ipcRenderer;
  },
  off(channel: string, listener: Listener) {
    return ipcRenderer.removeListener(channel, listener);
  },
  removeAllListeners(channel?: string) {
    if (channel) listeners.delete(channel);
    else listeners.clear();
    return ipcRenderer;
  },
};

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/** The part of `contextBridge` the preload uses. */
export const contextBridge = {
  exposeInMainWorld(apiKey: string, api: unknown): void {
    if (window.top !== window) return;
    // A copy, like the bridge makes: the page cannot reach the preload's own object.
    const copy = typeof api === 'object' && api !== null ? { ...(api as Record<string, unknown>) } : api;
    Object.defineProperty(window, apiKey, { value: deepFreeze(copy), enumerable: true, writable: false, configurable: false });
  },
};
