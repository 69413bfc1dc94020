/**
 * Mounts the app: the voice session is started from the session restore `main.tsx` began as
 * soon as it resolves — before React renders the phone, not from an effect after its first
 * render — and the UI takes up that running softphone.
 */
import { createRoot } from 'react-dom/client';
import type { SessionInfo } from '../../common/ipc-contract';
import type { ResolvedShell } from './bridge';
import { Softphone } from './softphone/softphone';
import { App, type StartedSession } from './ui/App';

/** Starts the softphone of a restored session and renders the app into `root`. */
export function mount(root: HTMLElement, shell: ResolvedShell, restoring: Promise<SessionInfo | null>): void {
  performance.mark('switchboard:mount');
  const started: Promise<StartedSession | null> = restoring.then((session) => {
    if (!session) return null;
    const softphone = new Softphone(shell.bridge, session);
    void softphone.start();
    return { session, softphone };
  });
  createRoot(root).render(<App bridge={shell.bridge} shell={shell.shell} alerts={shell.alerts} started={started} />);
}
