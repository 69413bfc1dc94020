import { describe, expect, it, vi } from 'vitest';
import { createRecordingLogger } from '../../../main/log';
import { STATUS_STREAM_IDLE_MS, StatusStream } from '../../../main/status-stream';
import { testAuthority } from './support';

const encoder = new TextEncoder();
const STATUS = `event: status\ndata: ${JSON.stringify({ status: 'available', since: '2026-03-02T09:00:00.000Z', wrap_up_ends_at: null, away_reason: null, reachable: true })}\n\n`;

/** A stream that sends the status, then a heartbeat comment every `beatMs` (or nothing), and never ends by itself. */
function openStream(beatMs: number | null, signal: AbortSignal): Response {
  let timer: ReturnType<typeof setInterval> | null = null;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(STATUS));
      if (beatMs) timer = setInterval(() => controller.enqueue(encoder.encode(': keep-alive\n\n')), beatMs);
      signal.addEventListener('abort', () => {
        if (timer) clearInterval(timer);
        controller.error(new Error('aborted'));
      });
    },
    cancel() {
      if (timer) clearInterval(timer);
    },
  });
  return new Response(body);
}

function setup(beatMs: number | null) {
  const log = createRecordingLogger();
  const statuses: unknown[] = [];
  const openEvents = vi.fn(async (_token: string, signal: AbortSignal) => openStream(beatMs, signal));
  const stream = new StatusStream({
    backend: { openEvents },
    authority: testAuthority('refresh-token'),
    onStatus: (status) => statuses.push(status),
    retryMs: 10,
    idleMs: 120,
    log,
  });
  return { stream, openEvents, statuses, log };
}

describe('the status stream watchdog', () => {
  it('waits two of the server heartbeats (15 s) and a margin by default', () => {
    expect(STATUS_STREAM_IDLE_MS).toBeGreaterThan(2 * 15_000);
    expect(STATUS_STREAM_IDLE_MS).toBeLessThan(3 * 15_000);
  });

  it('reconnects a stream that went silent', async () => {
    const { stream, openEvents, statuses, log } = setup(null);
    stream.start();
    await vi.waitFor(() => expect(openEvents.mock.calls.length).toBeGreaterThanOrEqual(2), { timeout: 2_000 });
    expect(statuses.length).toBeGreaterThanOrEqual(2); // the new stream's first status arrived too
    expect(log.lines.some((line) => line.message.includes('silent past two heartbeats'))).toBe(true);
    stream.stop();
  });

  it('keeps a stream whose heartbeats arrive', async () => {
    const { stream, openEvents } = setup(30);
    stream.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(openEvents).toHaveBeenCalledTimes(1);
    stream.stop();
  });
});
