/**
 * The desktop app's own options (start at login). Rendered only where the shell supports
 * them: the web app's bridge reports them unsupported and this shows nothing.
 */
import { useEffect, useId, useState } from 'react';
import type { DesktopSettings as Settings } from '../../../common/ipc-contract';
import type { Bridge } from '../bridge';

/** A collapsed "Settings" section with the start-at-login checkbox. */
export function DesktopSettings({ bridge }: { bridge: Bridge }) {
  const [settings, setSettings] = useState<Settings | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  useEffect(() => {
    let cancelled = false;
    bridge
      .getSettings()
      .then((value) => !cancelled && setSettings(value))
      .catch(() => !cancelled && setSettings(null));
    return () => {
      cancelled = true;
    };
  }, [bridge]);

  if (!settings?.openAtLogin.supported) return null;

  const toggle = async (enabled: boolean) => {
    const before = settings;
    setPending(true);
    setError(null);
    // The box follows the click at once; main's answer (what the OS now says) then replaces it.
    setSettings({ ...before, openAtLogin: { ...before.openAtLogin, enabled } });
    try {
      setSettings(await bridge.setOpenAtLogin(enabled));
    } catch {
      setSettings(before);
      setError('Could not change the start-at-login setting.');
    } finally {
      setPending(false);
    }
  };

  return (
    <details className="desktop-settings" data-testid="desktop-settings">
      <summary>Settings</summary>
      <p>
        <input
          id={`${id}-login`}
          type="checkbox"
          data-testid="open-at-login"
          checked={settings.openAtLogin.enabled}
          disabled={pending}
          onChange={(event) => void toggle(event.target.checked)}
        />{' '}
        <label htmlFor={`${id}-login`}>Start Switchboard when I sign in to this computer</label>
      </p>
      {error && (
        <p className="warning" role="alert">
          {error}
        </p>
      )}
    </details>
  );
}
