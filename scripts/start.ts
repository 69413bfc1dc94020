/**
 * `npm start`: the main job on the embedded default — the platform (sandbox, backend and,
 * without `DATABASE_URL`, the embedded PostgreSQL server under `DATA_DIR/postgres`) and the
 * agent app. Opens the Electron app where a runtime exists; otherwise says so in one line and
 * serves the same agent UI in the browser.
 */
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectron } from './electron-runtime';
import { describePlatform, startPlatform, stopOnSignals, type RunningPlatform } from './platform';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

let platform: RunningPlatform;
try {
  platform = await startPlatform();
} catch (error) {
  console.error(`Could not start the platform: ${(error as Error).message}`);
  process.exit(1);
}
console.log(describePlatform(platform));
const electron = findElectron();
if ('executablePath' in electron) {
  const child = spawn(electron.executablePath, [join(root, 'dist', 'main', 'main.cjs')], {
    stdio: 'inherit',
    env: { ...process.env, SWITCHBOARD_SERVER_URL: platform.serverUrl },
  });
  child.on('exit', (code) => {
    void platform.stop().then(() => process.exit(code ?? 0));
  });
  stopOnSignals(async () => {
    child.kill('SIGTERM');
    await platform.stop();
  });
} else {
  console.log(`No Electron runtime: ${electron.reason}. Serving the agent app in the browser instead: ${platform.serverUrl}/app/`);
  stopOnSignals(() => platform.stop());
}
