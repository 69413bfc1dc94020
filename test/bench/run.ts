/**
 * `npm run bench`: every benchmark, each printing its own table; asserts nothing.
 *
 * BENCH_ONLY=bundle-size,agent-app,agent-start,agent-controls,ring,media,webhooks,signed-webhooks,call-cpu,reports,recovery,wallboard,console picks some; BENCH_CALLS sets the calls per
 * latency measure (default 20). Each module documents its method and runs alone with
 * `npx tsx --initial-old-space-size=256 test/bench/<name>.ts`: the heap sizing `npm run bench`
 * gives this process, the platform's (docs/ARCHITECTURE.md, "The process's heap"); without
 * it, the benches that run the platform in their process run on V8's default sizing.
 */
import { runAgentAppBench } from './agent-app';
import { runAgentStartBench } from './agent-start';
import { runAgentControlsBench } from './agent-controls';
import { runBundleSizeBench } from './bundle-size';
import { runMediaBench } from './media-capacity';
import { runRingBench } from './ring';
import { runCallCpuBench } from './call-cpu';
import { runRecoveryBench } from './recovery';
import { runReportsBench } from './reports';
import { runSignedWebhooksBench } from './signed-webhooks';
import { runWebhooksBench } from './webhooks';
import { runWallboardBench } from './wallboard';
import { runConsoleBench } from './console';

const calls = Number(process.env.BENCH_CALLS ?? 20);
const only = new Set((process.env.BENCH_ONLY ?? '').split(',').filter(Boolean));
const wanted = (name: string) => only.size === 0 || only.has(name);

console.log(`Switchboard benchmarks, ${new Date().toISOString()}, ${(await import('node:os')).cpus().length} cores`);
if (wanted('bundle-size')) await runBundleSizeBench();
if (wanted('agent-app')) await runAgentAppBench(calls);
if (wanted('agent-start')) await runAgentStartBench();
if (wanted('agent-controls')) await runAgentControlsBench(Math.min(calls, 10));
if (wanted('ring')) await runRingBench(calls);
if (wanted('media')) await runMediaBench();
if (wanted('webhooks')) await runWebhooksBench();
if (wanted('signed-webhooks')) await runSignedWebhooksBench();
if (wanted('call-cpu')) await runCallCpuBench();
if (wanted('reports')) await runReportsBench();
if (wanted('recovery')) await runRecoveryBench();
if (wanted('wallboard')) await runWallboardBench();
if (wanted('console')) await runConsoleBench();
