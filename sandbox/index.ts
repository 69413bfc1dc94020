/**
 * Runs the sandbox on its own: `npx tsx --initial-old-space-size=256 sandbox/index.ts` (the
 * platform launcher runs it in-process; the flag is the platform's heap sizing,
 * docs/ARCHITECTURE.md "The process's heap").
 */
import { loadSandboxConfig } from './config';
import { startSandbox } from './server';

const sandbox = await startSandbox(loadSandboxConfig()).catch((error: unknown) => {
  // One line for the operator (a media address not on this machine, a port taken), as the platform launcher says it.
  console.error(`Could not start the sandbox: ${(error as Error).message}`);
  // Returned (it never returns) so `sandbox` keeps its type: the code below runs only on a start.
  return process.exit(1);
});
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
