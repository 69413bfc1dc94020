/**
 * Renderer entry: picks the bridge for this shell, starts restoring the session (in the web app
 * the SDK token and the SDK's endpoints are requested together), and mounts the app, whose
 * softphone starts from that restore before React renders (`./mount`); see
 * docs/ARCHITECTURE.md, "Cold start".
 */
import { resolveBridge } from './bridge';
import { forwardLogs } from './logging';
import { mount } from './mount';
import './ui/styles.css';

const shell = resolveBridge();
if (shell.shell === 'desktop') forwardLogs(shell.bridge);
const restoring = shell.bridge.restoreSession();
// The UI reports a failure to restore (it shows the sign-in with a notice); nothing is lost here.
restoring.catch(() => undefined);
mount(document.getElementById('root')!, shell, restoring);
