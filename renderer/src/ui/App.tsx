/**
 * The agent UI's top level: restore or sign in, then the phone.
 */
import { useEffect, useState } from 'react';
import type { SessionInfo } from '../../../common/ipc-contract';
import type { WebAlerts } from '../alerts/web-alerts';
import type { Bridge } from '../bridge';
import type { Softphone } from '../softphone/softphone';
import { Login } from './Login';
import { Phone } from './Phone';
import { WebAlertsBar } from './WebAlertsBar';

/** A session restored at start, with its softphone already connecting (`mount.tsx`). */
export interface StartedSession {
  session: SessionInfo;
  softphone: Softphone;
}

type Stage = { kind: 'starting' } | { kind: 'signed-out'; notice?: string } | { kind: 'signed-in'; session: SessionInfo; softphone?: Softphone };

/**
 * Root component. `started` is the session restore begun at start (null: nobody is signed in);
 * without it the app asks the bridge itself.
 */
export function App({
  bridge,
  shell,
  alerts,
  started,
}: {
  bridge: Bridge;
  shell: 'desktop' | 'browser';
  alerts?: WebAlerts | undefined;
  started?: Promise<StartedSession | null>;
}) {
  const [stage, setStage] = useState<Stage>({ kind: 'starting' });

  useEffect(() => {
    const offEnded = bridge.onSessionEnded(({ reason }) => setStage({ kind: 'signed-out', notice: reason }));
    let cancelled = false;
    (started ?? bridge.restoreSession().then((session) => (session ? { session } : null)))
      .then((restored: { session: SessionInfo; softphone?: Softphone } | null) => {
        if (!cancelled) setStage(restored ? { kind: 'signed-in', ...restored } : { kind: 'signed-out' });
      })
      .catch(() => {
        if (!cancelled) setStage({ kind: 'signed-out', notice: 'Could not restore your session. Sign in again.' });
      });
    return () => {
      cancelled = true;
      offEnded();
    };
  }, [bridge, started]);

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
      {stage.kind === 'signed-in' && <Phone bridge={bridge} session={stage.session} started={stage.softphone} alerts={alerts} onSignOut={signOut} />}
    </div>
  );
}
