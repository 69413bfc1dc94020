/**
 * Sends the renderer's warnings, errors and uncaught failures to the desktop log file
 * (`log:write`; main redacts and rate-limits). In the browser the bridge's `log` does nothing
 * and the console is all there is.
 */
import type { Bridge } from './bridge';

function describe(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}${value.stack ? `\n${value.stack.split('\n').slice(1, 6).join('\n')}` : ''}`;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Installs the forwarding once, at start. */
export function forwardLogs(bridge: Bridge): void {
  const forward = (level: 'warn' | 'error', values: unknown[]) => {
    try {
      bridge.log(level, values.map(describe).join(' '));
    } catch {
      // Logging must never break the app.
    }
  };
  for (const level of ['warn', 'error'] as const) {
    const original = console[level].bind(console);
    console[level] = (...values: unknown[]) => {
      original(...values);
      forward(level, values);
    };
  }
  window.addEventListener('error', (event) => forward('error', [`Uncaught ${describe(event.error ?? event.message)}`]));
  window.addEventListener('unhandledrejection', (event) => forward('error', [`Unhandled rejection ${describe(event.reason)}`]));
}
