/**
 * Runs the sandbox on its own: `npx tsx sandbox/index.ts` (the platform launcher runs it in-process).
 */
import { loadSandboxConfig } from './config';
import { startSandbox } from './server';

const sandbox = await startSandbox(loadSandboxConfig());
console.log(`Sandbox listening on ${sandbox.url}`);
const stop = () => {
  sandbox.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`Sandbox did not close cleanly: ${(error as Error).message}`);
      process.exit(1);
    },
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
