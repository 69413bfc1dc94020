/**
 * Renderer entry: picks the bridge for this shell and mounts the agent UI.
 */
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { resolveBridge } from './bridge';
import { forwardLogs } from './logging';
import './ui/styles.css';

const { bridge, shell, alerts } = resolveBridge();
if (shell === 'desktop') forwardLogs(bridge);
createRoot(document.getElementById('root')!).render(<App bridge={bridge} shell={shell} alerts={alerts} />);
