/**
 * Runs the sandbox on its own: `npx tsx --initial-old-space-size=256 sandbox/index.ts` (the
 * platform launcher runs it in-process; the flag is the platform's heap sizing,
 * docs/ARCHITECTURE.md "The process's heap").
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
