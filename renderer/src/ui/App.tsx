/**
 * The agent UI's top level: restore or sign in, then the phone.
 */
import { useEffect, useState } from 'react';
import type { SessionInfo } from '../../../common/ipc-contract';
import type { WebAlerts } from '../alerts/web-alerts';
import type { Bridge } from '../bridge';
import { Login } from './Login';
import { Phone } from './Phone';
import { WebAlertsBar } from './WebAlertsBar';

type Stage = { kind: 'starting' } | { kind: 'signed-out'; notice?: string } | { kind: 'signed-in'; session: SessionInfo };

/** Root component. */
export function App({ bridge, shell, alerts }: { bridge: Bridge; shell: 'desktop' | 'browser'; alerts?: WebAlerts | undefined }) {
  const [stage, setStage] = useState<Stage>({ kind: 'starting' });

  useEffect(() => {
    const offEnded = bridge.onSessionEnded(({ reason }) => setStage({ kind: 'signed-out', notice: reason }));
    let cancelled = false;
    bridge
      .restoreSession()
      .then((session) => {
        if (!cancelled) setStage(session ? { kind: 'signed-in', session } : { kind: 'signed-out' });
      })
      .catch(() => {
        if (!cancelled) setStage({ kind: 'signed-out', notice: 'Could not restore your session. Sign in again.' });
      });
    return () => {
      cancelled = true;
      offEnded();
    };
  }, [bridge]);

  const signOut = async () => {
    await bridge.logout();
    setStage({ kind: 'signed-out' });
  };

  return (
    <div className="app" data-shell={shell}>
      {stage.kind === 'starting' && <p className="muted center">Starting…</p>}
      {stage.kind === 'signed-out' && (
        <Login bridge={bridge} notice={stage.notice} onSignedIn={(session) => setStage({ kind: 'signed-in', session })} />
      )}
      {stage.kind === 'signed-in' && alerts && <WebAlertsBar alerts={alerts} />}
      {stage.kind === 'signed-in' && <Phone bridge={bridge} session={stage.session} onSignOut={signOut} />}
    </div>
  );
}
