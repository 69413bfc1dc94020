/**
 * A telephone keypad: the dial pad's (with +) and the in-call one (with *) share it.
 */

/** The key names test ids use for the keys that are not digits. */
const KEY_NAMES: Record<string, string> = { '#': 'hash', '+': 'plus', '*': 'star' };

/** Keys of the dial pad (a number to call) and of the in-call pad (tones to send). */
export const DIAL_KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '+', '0', '#'] as const;
export const DTMF_KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const;

/** A 3×4 grid of key buttons; `testIdPrefix` names each (`dial-key-1`, `dtmf-key-star`). */
export function Keypad({ keys, label, testIdPrefix, onKey }: { keys: readonly string[]; label: string; testIdPrefix: string; onKey: (key: string) => void }) {
  return (
    <div className="keypad" role="group" aria-label={label}>
      {keys.map((key) => (
        <button type="button" key={key} className="key" data-testid={`${testIdPrefix}-${KEY_NAMES[key] ?? key}`} onClick={() => onKey(key)}>
          {key}
        </button>
      ))}
    </div>
  );
}
