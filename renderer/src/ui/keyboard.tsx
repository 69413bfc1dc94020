/**
 * In-app keyboard shortcuts: single keys (M, H, K, T, digits) that act on the call on screen,
 * never while the agent types in a field or holds a modifier (those keys belong to the OS,
 * the browser and the desktop app's global shortcuts).
 */
import { useEffect, useRef } from 'react';

/** True when the key press must not be taken as a shortcut: typing in a field, a modifier held, a repeat. */
export function isTyping(event: KeyboardEvent): boolean {
  if (event.ctrlKey || event.metaKey || event.altKey || event.repeat || event.isComposing) return true;
  const target = event.target;
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT';
}

/**
 * Calls `handler` with the key (lower-cased letters) of each shortcut-eligible key press while
 * `enabled`; a handler that returns true has used the key, whose default is then prevented.
 */
export function useShortcutKeys(enabled: boolean, handler: (key: string) => boolean): void {
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    if (!enabled) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || isTyping(event)) return;
      const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
      if (latest.current(key)) event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enabled]);
}

/** A (answer) and D (decline) for a ringing or waiting call, while `enabled`. */
export function useAnswerKeys(enabled: boolean, answer: () => void, decline: () => void): void {
  useShortcutKeys(enabled, (key) => {
    if (key === 'a') answer();
    else if (key === 'd') decline();
    else return false;
    return true;
  });
}

/** The label a button shows for its shortcut key, hidden from screen readers (the button's `aria-keyshortcuts` says it). */
export function KeyHint({ shortcut }: { shortcut: string }) {
  return (
    <kbd className="key-hint" aria-hidden="true">
      {shortcut}
    </kbd>
  );
}
