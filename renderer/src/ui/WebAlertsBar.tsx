/**
 * The web app's alert settings, shown only when something is missing: the browser blocks the
 * ring until a click on the page, or notifications are not allowed. One click fixes what the
 * browser lets a page fix; a denied permission gets the way to change it in the browser.
 * `data-ringing`, `data-sound` and `data-notifications` say what the alerts do (tests read them).
 */
import { useEffect, useState } from 'react';
import type { WebAlerts, WebAlertsState } from '../alerts/web-alerts';

export function WebAlertsBar({ alerts }: { alerts: WebAlerts }) {
  const [state, setState] = useState<WebAlertsState>(alerts.state);
  useEffect(() => {
    const off = alerts.subscribe(setState);
    setState(alerts.state);
    // Any click or key on the page lets the browser play sound: take the first one.
    const unlock = () => alerts.unlockSound();
    window.addEventListener('pointerdown', unlock, { once: true });
    window.addEventListener('keydown', unlock, { once: true });
    return () => {
      off();
      window.removeEventListener('pointerdown', unlock);
      window.removeEventListener('keydown', unlock);
    };
  }, [alerts]);

  const soundBlocked = state.sound === 'blocked';
  const askNotifications = state.notifications === 'default';
  const denied = state.notifications === 'denied';
  return (
    <section
      className="web-alerts"
      data-testid="web-alerts"
      data-ringing={state.ringing}
      data-sound={state.sound}
      data-notifications={state.notifications}
      aria-label="Call alerts"
      hidden={!soundBlocked && !askNotifications && !denied}
    >
      {(soundBlocked || askNotifications) && (
        <p className="alert-prompt" data-testid="web-alerts-prompt">
          {state.ringing && soundBlocked ? 'A call is ringing but your browser is blocking the ring. ' : ''}
          {soundBlocked && askNotifications
            ? 'Incoming calls cannot ring or notify you yet.'
            : soundBlocked
              ? 'Incoming calls cannot ring until you click in this page.'
              : 'Turn on notifications to hear of calls while this tab is in the background.'}{' '}
          <button type="button" className="small" data-testid="web-alerts-enable" onClick={() => alerts.enable()}>
            Turn on call alerts
          </button>
        </p>
      )}
      {denied && (
        <p className="hint" data-testid="web-alerts-denied">
          Notifications are blocked for this site, so calls only ring and show here. To be notified in the background, allow notifications in your
          browser’s site settings.
        </p>
      )}
    </section>
  );
}
