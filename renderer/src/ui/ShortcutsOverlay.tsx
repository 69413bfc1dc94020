/**
 * The shortcuts overlay: `?` (or the header's Shortcuts button) opens a modal dialog listing
 * the in-app keys and the desktop app's global shortcuts (with whether each is registered).
 * A native `<dialog>` opened with `showModal()`: the page behind is inert (focus stays inside),
 * Escape closes it, and focus returns to what had it.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { ShortcutStatus } from '../../../common/ipc-contract';
import { useShortcutKeys } from './keyboard';

/** The in-app keys, as every screen applies them (`keyboard.tsx`, `InCall.tsx`). */
export const IN_APP_SHORTCUTS: ReadonlyArray<{ keys: string; action: string }> = [
  { keys: 'A', action: 'Answer the ringing or waiting call' },
  { keys: 'D', action: 'Decline the ringing or waiting call' },
  { keys: 'M', action: 'Mute or unmute the call' },
  { keys: 'H', action: 'Hold or resume the call' },
  { keys: 'K', action: 'Show or hide the keypad' },
  { keys: 'T', action: 'Show or hide transfer and consult' },
  { keys: '0–9 * #', action: 'Send tones during a call' },
  { keys: 'Esc', action: 'Close the open panel or dialog' },
  { keys: '?', action: 'Show these shortcuts' },
];

const GLOBAL_NAMES: Record<keyof ShortcutStatus, string> = { answer: 'Answer', hangup: 'Decline or hang up', mute: 'Mute or unmute', hold: 'Hold or resume' };

/** The overlay's button and dialog; `?` opens it from anywhere but a field. */
export function useShortcutsOverlay(shortcuts: ShortcutStatus | null): { button: ReactNode; dialog: ReactNode } {
  const [open, setOpen] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  useShortcutKeys(!open, (key) => {
    if (key !== '?') return false;
    setOpen(true);
    return true;
  });
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      element.showModal();
    } else if (!open && element.open) element.close();
  }, [open]);
  const close = () => {
    setOpen(false);
    opener.current?.focus();
  };
  const globals = shortcuts ? (Object.keys(GLOBAL_NAMES) as Array<keyof ShortcutStatus>).filter((k) => shortcuts[k]) : [];
  return {
    button: (
      <button type="button" className="link" data-testid="shortcuts-button" aria-haspopup="dialog" aria-keyshortcuts="?" onClick={() => setOpen(true)}>
        Shortcuts
      </button>
    ),
    dialog: (
      <dialog ref={dialog} className="shortcuts-dialog" data-testid="shortcuts-dialog" aria-labelledby="shortcuts-title" onClose={close}>
        <h2 id="shortcuts-title" className="panel-title">
          Keyboard shortcuts
        </h2>
        <h3>In the app</h3>
        <table data-testid="shortcuts-in-app">
          <tbody>
            {IN_APP_SHORTCUTS.map((s) => (
              <tr key={s.keys}>
                <th scope="row">
                  <kbd>{s.keys}</kbd>
                </th>
                <td>{s.action}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h3>Anywhere on the computer</h3>
        {globals.length === 0 || globals.every((k) => shortcuts?.[k]?.accelerator === '') ? (
          <p className="muted" data-testid="shortcuts-global-none">
            {shortcuts?.answer.error ?? 'No global shortcuts are set.'}
          </p>
        ) : (
          <table data-testid="shortcuts-global">
            <tbody>
              {globals.map((k) => {
                const state = shortcuts![k]!;
                return (
                  <tr key={k} data-registered={state.registered}>
                    <th scope="row">
                      <kbd>{state.accelerator || 'off'}</kbd>
                    </th>
                    <td>
                      {GLOBAL_NAMES[k]}
                      {state.accelerator && !state.registered && <span className="shortcut-failed"> (could not be registered)</span>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        <div className="actions">
          <button type="button" className="small" data-testid="shortcuts-close" autoFocus onClick={close}>
            Close
          </button>
        </div>
      </dialog>
    ),
  };
}
