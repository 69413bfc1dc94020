/**
 * `npm run backend`: one more backend instance (`server/index.ts`) on a database and a Vonage
 * application that already exist — beside `npm run platform`, which prints the command, or as
 * one of several instances behind a load balancer. It starts no database and no sandbox:
 * everything comes from the environment (README, "Several backends"). Instances share the
 * database; migrations run under an advisory lock, so they may start together.
 */
import { pathToFileURL } from 'node:url';

/** What must be set, and what it is, in the order they are checked. */
const REQUIRED: ReadonlyArray<readonly [name: string, what: string]> = [
  ['DATABASE_URL', 'the PostgreSQL database the other instances use'],
  ['VONAGE_APPLICATION_ID', 'the Vonage application the other instances use'],
  ['VONAGE_PRIVATE_KEY_PATH', "the file holding that application's private key"],
];

/**
 * The first reason not to start, as one line naming the variable; null when the backend may
 * start (it checks the values themselves and says which one is wrong).
 */
export function backendEnvProblem(env: NodeJS.ProcessEnv): string | null {
  for (const [name, what] of REQUIRED) {
    if (!env[name]?.trim()) return `npm run backend needs ${name}: ${what} (see README, "Several backends")`;
  }
  try {
    if (decodeURIComponent(new URL(env.DATABASE_URL ?? '').password) === '***') {
      return 'npm run backend: DATABASE_URL holds the masked password *** (as printed); use the real one, e.g. the command npm run platform prints';
    }
  } catch {
    // not a URL: the backend's own check names the problem
  }
  return null;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const problem = backendEnvProblem(process.env);
  if (problem) {
    console.error(problem);
    process.exitCode = 1;
  } else {
    // Loaded only now: refusing needs none of the backend.
    const { main } = await import('../server/index');
    await main();
  }
}
