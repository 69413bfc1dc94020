/**
 * Renderer entry, kept small so the agent's session is asked for the moment the page runs:
 * it picks the bridge for this shell and starts restoring the session (in the web app the SDK
 * token and the SDK's endpoints are requested together), while the browser still downloads and
 * compiles the chunk with the Client SDK, React and the UI (`./mount`, named in index.html by a
 * `<link rel="modulepreload">` the build adds). That chunk then starts the voice session and
 * renders; see docs/ARCHITECTURE.md, "Cold start".
 */
import { resolveBridge } from './bridge';
import { forwardLogs } from './logging';
import './ui/styles.css';

performance.mark('switchboard:entry');
const shell = resolveBridge();
if (shell.shell === 'desktop') forwardLogs(shell.bridge);
const restoring = shell.bridge.restoreSession();
// The UI reports a failure to restore (it shows the sign-in with a notice); nothing is lost here.
restoring.catch(() => undefined);
const root = document.getElementById('root')!;
import('./mount')
  .then(({ mount }) => mount(root, shell, restoring))
  .catch((error: unknown) => {
    console.error('The app failed to load', error);
    const message = document.createElement('p');
    message.className = 'error center';
    message.setAttribute('role', 'alert');
    message.textContent = 'Switchboard could not load. Check the connection and reload.';
    root.replaceChildren(message);
  });
