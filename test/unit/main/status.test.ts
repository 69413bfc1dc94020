import { describe, expect, it, vi } from 'vitest';
import { BackendError } from '../../../main/backend-client';
import { IpcBridge, REJECTED_MESSAGE } from '../../../main/ipc';
import { createRecordingLogger } from '../../../main/log';
import { createAppUrlPolicy } from '../../../main/security';
import { AgentStatusService } from '../../../main/session';
import { StatusStream, readServerSentEvents } from '../../../main/status-stream';
import { IpcMainDouble, ipcEventFrom, WebContentsDouble } from '../../desktop/double';
import { testAuthority } from './support';

const AVAILABLE = { status: 'available', since: '2026-03-02T09:00:00.000Z', wrap_up_ends_at: null, away_reason: null, reachable: true } as const;
const AWAY = { status: 'away', since: '2026-03-02T09:01:00.000Z', wrap_up_ends_at: null, away_reason: 'Lunch', reachable: true } as const;

/** A response whose body streams the given chunks, then ends (or stays open). */
function streamOf(chunks: string[], stayOpen = false): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      if (!stayOpen) controller.close();
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

const event = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;

describe('readServerSentEvents', () => {
  it('splits events across chunk boundaries, CRLF or LF, skipping comments and retry', async () => {
    const response = streamOf(['retry: 3000\n\n: keep-alive\n\nevent: sta', 'tus\r\ndata: {"a":', '1}\r\n\r\ndata: x\ndata: y\n\n']);
    const events = [];
    for await (const e of readServerSentEvents(response.body!)) events.push(e);
    expect(events).toEqual([
      { event: 'status', data: '{"a":1}' },
      { event: 'message', data: 'x\ny' },
    ]);
  });
});

function streamSetup(responses: Array<Response | Error>, credential: string | null = 'refresh-token') {
  const statuses: unknown[] = [];
  const ended: Array<string | undefined> = [];
  const openEvents = vi.fn(async (_token: string, _signal: AbortSignal) => {
    const next = responses.shift();
    if (!next) return streamOf([], true);
    if (next instanceof Error) throw next;
    return next;
  });
  const stream = new StatusStream({
    backend: { openEvents },
    authority: testAuthority(credential, ended),
    onStatus: (s) => statuses.push(s),
    retryMs: 1,
    maxRetryMs: 4,
    log: createRecordingLogger(),
  });
  return { stream, statuses, ended, openEvents };
}

describe('StatusStream', () => {
  it('forwards valid status events, drops malformed ones, and reconnects when the server closes', async () => {
    const { stream, statuses, openEvents } = streamSetup([
      streamOf([event('status', AVAILABLE), event('status', { status: 'sleeping' }), 'event: status\ndata: not json\n\n']),
      new BackendError('network', 'down'),
      streamOf([event('status', AWAY)], true),
    ]);
    stream.start();
    await vi.waitFor(() => expect(statuses).toEqual([AVAILABLE, AWAY]));
    expect(openEvents).toHaveBeenCalledTimes(3);
    expect(openEvents.mock.calls[0]?.[0]).toBe('refresh-token');
    expect(stream.running).toBe(true);
    stream.stop();
    expect(stream.running).toBe(false);
  });

  it('ends the session on 401 and when the server says the agent was disabled, but not after our own logout', async () => {
    const revoked = streamSetup([new BackendError('unauthorized', 'Your session has ended. Please sign in again.', 401)]);
    revoked.stream.start();
    await vi.waitFor(() => expect(revoked.ended).toEqual(['Your session has ended. Please sign in again.']));
    expect(revoked.stream.running).toBe(false);

    const disabled = streamSetup([streamOf([event('session-ended', { reason: 'disabled' })])]);
    disabled.stream.start();
    await vi.waitFor(() => expect(disabled.ended).toEqual(['Your account was disabled. Contact your administrator.']));
    expect(disabled.openEvents).toHaveBeenCalledTimes(1);

    const loggedOut = streamSetup([streamOf([event('session-ended', { reason: 'logged-out' })])]);
    loggedOut.stream.start();
    await vi.waitFor(() => expect(loggedOut.stream.running).toBe(false));
    expect(loggedOut.ended).toEqual([]);
  });

  it('does nothing without a stored credential', async () => {
    const { stream, openEvents } = streamSetup([], null);
    stream.start();
    await vi.waitFor(() => expect(stream.running).toBe(false));
    expect(openEvents).not.toHaveBeenCalled();
  });
});

describe('AgentStatusService', () => {
  it('calls the backend with the stored credential and passes its refusal to the agent', async () => {
    const backend = {
      getStatus: vi.fn(async () => AVAILABLE),
      setStatus: vi.fn(async () => {
        throw new BackendError('rejected', 'You are on a call; your status changes when it ends', 409, 'status_conflict');
      }),
      getAwayReasons: vi.fn(async () => ({ reasons: ['Lunch'] })),
      reportVoice: vi.fn(async () => ({ ...AVAILABLE, reachable: false })),
    };
    const service = new AgentStatusService({ backend, authority: testAuthority('tok') });
    await expect(service.get()).resolves.toEqual(AVAILABLE);
    expect(backend.getStatus).toHaveBeenCalledWith('tok');
    await expect(service.set('away')).rejects.toThrow('You are on a call; your status changes when it ends');
    await expect(service.awayReasons()).resolves.toEqual({ reasons: ['Lunch'] });
    await expect(service.reportVoice('down')).resolves.toMatchObject({ reachable: false });
    expect(backend.reportVoice).toHaveBeenCalledWith('tok', 'down');
    const signedOut = new AgentStatusService({ backend, authority: testAuthority(null) });
    await expect(signedOut.get()).rejects.toThrow('You are signed out');
  });
});

describe('AgentStatusService.awayForSystem', () => {
  function backendAnswering(refusal?: BackendError) {
    return {
      getStatus: vi.fn(async () => AVAILABLE),
      setStatus: vi.fn(async (_token: string, status: 'available' | 'away', reason?: string) => {
        if (reason !== undefined && refusal) throw refusal;
        return { ...AVAILABLE, status, away_reason: reason ?? null };
      }),
      getAwayReasons: vi.fn(async () => ({ reasons: [] })),
      reportVoice: vi.fn(async () => AVAILABLE),
    };
  }

  it("goes away with the backend's built-in system reason", async () => {
    const backend = backendAnswering();
    const service = new AgentStatusService({ backend, authority: testAuthority('tok') });
    await expect(service.awayForSystem()).resolves.toMatchObject({ status: 'away', away_reason: 'system' });
    expect(backend.setStatus).toHaveBeenCalledTimes(1);
  });

  it('a backend older than the system reason refuses it: plain away, so routing still stops while the PC sleeps', async () => {
    const backend = backendAnswering(new BackendError('rejected', 'reason must be one of the configured away reasons', 400, 'invalid_request'));
    const service = new AgentStatusService({ backend, authority: testAuthority('tok') });
    await expect(service.awayForSystem()).resolves.toMatchObject({ status: 'away', away_reason: null });
    expect(backend.setStatus).toHaveBeenLastCalledWith('tok', 'away', undefined);
  });

  it('any other refusal reaches the caller as is, without a second try', async () => {
    const backend = backendAnswering(new BackendError('rejected', 'You are on a call; your status changes when it ends', 409, 'status_conflict'));
    const service = new AgentStatusService({ backend, authority: testAuthority('tok') });
    await expect(service.awayForSystem()).rejects.toThrow('You are on a call');
    expect(backend.setStatus).toHaveBeenCalledTimes(1);
  });
});

describe('status IPC channels', () => {
  function setup() {
    const ipcMain = new IpcMainDouble();
    const urls = createAppUrlPolicy(['app://switchboard/index.html']);
    const bridge = new IpcBridge(ipcMain, { isAppPage: (url) => urls.isAppPage(url), log: createRecordingLogger() });
    const contents = new WebContentsDouble();
    void contents.loadURL('app://switchboard/index.html');
    bridge.attach(contents);
    return { ipcMain, bridge, contents, fromApp: ipcEventFrom(contents) };
  }

  it('accepts available and away, and rejects anything else before the handler runs', async () => {
    const { ipcMain, bridge, fromApp } = setup();
    const handler = vi.fn(async ({ status }: { status: 'available' | 'away' }) => ({ ...AVAILABLE, status }));
    bridge.handle('status:set', handler);
    bridge.handle('status:get', async () => AVAILABLE);
    await expect(ipcMain.invoke(fromApp, 'status:set', { status: 'away' })).resolves.toMatchObject({ status: 'away' });
    for (const bad of [{ status: 'busy' }, { status: 'offline' }, { status: 'wrap-up' }, {}, 'away', null]) {
      await expect(ipcMain.invoke(fromApp, 'status:set', bad)).rejects.toThrow(REJECTED_MESSAGE);
    }
    await expect(ipcMain.invoke(fromApp, 'status:get', { sneaky: true })).rejects.toThrow(REJECTED_MESSAGE);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('checks the answer and the pushed event against the contract', async () => {
    const { ipcMain, bridge, contents, fromApp } = setup();
    bridge.handle('status:get', async () => ({ status: 'napping', since: 'x', wrap_up_ends_at: null }) as never);
    await expect(ipcMain.invoke(fromApp, 'status:get', undefined)).rejects.toThrow();
    ipcMain.send(fromApp, 'app:ready');
    bridge.sendToRenderer('status:changed', { status: 'bogus' } as never);
    bridge.sendToRenderer('status:changed', AWAY);
    expect(contents.sent).toEqual([{ channel: 'status:changed', args: [AWAY] }]);
  });
});
