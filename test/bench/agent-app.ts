/**
 * The agent app end to end on the embedded platform (sandbox + backend + the real agent UI
 * with the real SDK in Chromium): ring latency through the inbound flow and answer-to-audio.
 *
 * Method:
 * - ring: Node stamps Date.now() just before POST /sandbox/v1/phone/calls; a
 *   MutationObserver in the agent page stamps Date.now() when the incoming-call panel
 *   appears (callInvite → reducer → React render). Same machine, same clock. The inbound
 *   flow speaks its greeting (real synthesised speech) before it connects, so the figure
 *   includes the greeting's playback; `ring.ts` measures the platform alone.
 * - answer to audio: in the page, from the Answer click to the first inbound RTP packet
 *   counted by the peer connection's getStats (polled every 2 ms).
 */
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../support/chromium';
import { startTestPlatform } from '../support/platform';
import { printTable, summarize } from './table';

/** Runs `calls` inbound calls to Jane and prints the table. */
export async function runAgentAppBench(calls: number): Promise<void> {
  const platform = await startTestPlatform({ keepLogs: false });
  const browser = await launchChromium();
  try {
    const context = await browser.newContext();
    await context.addInitScript(() => {
      const w = window as unknown as { __pcs: RTCPeerConnection[]; __inviteAt: number | null };
      w.__pcs = [];
      w.__inviteAt = null;
      const Native = window.RTCPeerConnection;
      window.RTCPeerConnection = class extends Native {
        constructor(config?: RTCConfiguration) {
          super(config);
          w.__pcs.push(this);
        }
      } as typeof RTCPeerConnection;
      new MutationObserver(() => {
        if (w.__inviteAt === null && document.querySelector('[data-testid="incoming-call"]')) w.__inviteAt = Date.now();
      }).observe(document, { childList: true, subtree: true });
    });
    const page = await context.newPage();
    await page.goto(`${platform.serverUrl}/app/`);
    await page.getByTestId('login-name').fill('Jane');
    await page.getByTestId('login-password').fill(platform.agents.Jane);
    await page.getByTestId('login-submit').click();
    await page.locator('[data-testid="status"][data-voice="ready"]').waitFor();

    const ring: number[] = [];
    const audio: number[] = [];
    for (let i = 0; i < calls; i++) {
      await page.evaluate(() => ((window as unknown as { __inviteAt: number | null }).__inviteAt = null));
      const sentAt = Date.now();
      const call = await platform.phone.call('+14155550100');
      await page.waitForFunction(() => (window as unknown as { __inviteAt: number | null }).__inviteAt !== null, null, { polling: 5, timeout: 20_000 });
      const inviteAt = await page.evaluate(() => (window as unknown as { __inviteAt: number }).__inviteAt);
      ring.push(inviteAt - sentAt);
      const ms = await page.evaluate(async () => {
        const w = window as unknown as { __pcs: RTCPeerConnection[] };
        const before = w.__pcs.length;
        const start = performance.now();
        (document.querySelector('[data-testid="answer-button"]') as HTMLButtonElement).click();
        for (;;) {
          const pc = w.__pcs.length > before ? w.__pcs[w.__pcs.length - 1] : w.__pcs[before - 1];
          if (pc) {
            let received = 0;
            (await pc.getStats()).forEach((r: { type: string; packetsReceived?: number }) => {
              if (r.type === 'inbound-rtp') received += r.packetsReceived ?? 0;
            });
            if (received > 0) return performance.now() - start;
          }
          if (performance.now() - start > 15_000) return -1;
          await new Promise((r) => setTimeout(r, 2));
        }
      });
      if (ms >= 0) audio.push(ms);
      await page.getByTestId('hangup-button').click();
      await page.getByTestId('incoming-call').waitFor({ state: 'detached' });
      await page.waitForFunction(() => !document.querySelector('[data-testid="in-call"]'));
      await platform.phone.get(call.uuid);
      await page.getByTestId('call-ended').waitFor({ state: 'detached', timeout: 10_000 });
    }
    printTable(`Agent app on the embedded platform: ${calls} inbound calls to 1 agent (inbound flow with its greeting)`, [
      summarize('phone POST -> incoming call shown (incl. greeting)', ring),
      summarize('answer click -> first RTP received', audio),
    ]);
  } finally {
    await browser.close();
    await platform.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runAgentAppBench(Number(process.env.BENCH_CALLS ?? 20));
