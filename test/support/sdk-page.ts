/**
 * The real `@vonage/client-sdk` (its browser build) in a Chromium page, driven from a test:
 * one `SdkAgent` per page, pointed at a sandbox. Every SDK event and every SDK log line is
 * recorded in the page, so tests can wait for events and check what the SDK received.
 */
import { fileURLToPath } from 'node:url';
import { expect, type Browser, type Page } from '@playwright/test';

/** The SDK's browser (UMD) build, as a page would load it from a script tag. */
export const sdkBundle = fileURLToPath(new URL('../../node_modules/@vonage/client-sdk/dist/vonageClientSDK.js', import.meta.url));

/** SDK events the page records (the voice and session ones). */
const RECORDED_EVENTS = [
  'callInvite',
  'callInviteCancel',
  'callHangup',
  'callTransfer',
  'legStatusUpdate',
  'mute',
  'earmuff',
  'dtmf',
  'sessionError',
  'reconnecting',
  'reconnection',
  'callMediaReconnecting',
  'callMediaReconnection',
  'callMediaDisconnect',
  'callMediaError',
] as const;

/** One SDK event as the page saw it. */
export interface SdkEvent {
  name: string;
  args: unknown[];
}

/** A failed SDK call: the VonageError's fields. */
export interface SdkError {
  type: string | null;
  code: string | null;
  message: string;
}

/** The outcome of an SDK method call. */
export type SdkResult<T> = { ok: true; value: T } | { ok: false; error: SdkError };

/** Media counters of one call's peer connection, from `getStats()`. */
export interface CallMedia {
  packetsReceived: number;
  packetsSent: number;
  /** Chromium's `totalAudioEnergy` of the received audio. */
  audioEnergy: number;
}

/** What Chromium learnt from the platform's RTCP about a call's audio (getStats). */
export interface CallRtcp {
  /** `remote-inbound-rtp`: the platform's receiver reports on the audio sent; the round trip, s (from LSR/DLSR). */
  remoteInbound: { roundTripTime?: number; packetsLost?: number; jitter?: number } | null;
  /** `remote-outbound-rtp`: the platform's sender reports on the audio received. */
  remoteOutbound: { packetsSent?: number; bytesSent?: number } | null;
}

/** One SDK client in its own Chromium page. */
export class SdkAgent {
  private constructor(readonly page: Page) {}

  /**
   * Opens a page on the sandbox's origin (so the SDK's REST calls are same-origin), loads
   * the SDK bundle and creates a `VonageClient` pointed at the sandbox.
   */
  static async open(browser: Browser, sandboxUrl: string): Promise<SdkAgent> {
    const page = await browser.newPage();
    await page.goto(`${sandboxUrl}/sandbox/v1/health`);
    await page.addScriptTag({ path: sdkBundle });
    await page.evaluate(
      ({ url, names }) => {
        type Client = { on(name: string, cb: (...args: unknown[]) => void): void };
        const sdk = (window as unknown as { vonageClientSDK: { VonageClient: new (c: object) => Client } }).vonageClientSDK;
        const events: Array<{ name: string; args: unknown[] }> = [];
        const logs: string[] = [];
        const client = new sdk.VonageClient({
          apiUrl: url,
          websocketUrl: url,
          rtcStatsTelemetry: false,
          loggingLevel: 'Error',
          customLoggers: [{ name: 'test', minLogLevel: 'Verbose', onLog: (level: unknown, _topic: unknown, message: string) => logs.push(`${String(level)} ${message}`) }],
        });
        for (const name of names) {
          // Arguments are copied as JSON: quality reports and errors are plain objects to a test.
          client.on(name, (...args: unknown[]) => events.push({ name, args: JSON.parse(JSON.stringify(args)) as unknown[] }));
        }
        (window as unknown as { harness: unknown }).harness = { client, events, logs };
      },
      { url: sandboxUrl, names: [...RECORDED_EVENTS] },
    );
    return new SdkAgent(page);
  }

  /**
   * Calls a `VonageClient` method in the page. Arguments and the result cross as JSON;
   * a rejection comes back as the VonageError's type, code and message.
   */
  async run<T = unknown>(method: string, ...args: unknown[]): Promise<SdkResult<T>> {
    return this.page.evaluate(
      async ({ method, args }) => {
        const { client } = (window as unknown as { harness: { client: Record<string, (...a: unknown[]) => Promise<unknown>> } }).harness;
        try {
          const value = await client[method]!(...args);
          return { ok: true as const, value: (value === undefined ? null : JSON.parse(JSON.stringify(value))) as T };
        } catch (error) {
          const e = error as { type?: unknown; code?: unknown; message?: unknown };
          const text = (value: unknown) => (value === undefined || value === null ? null : String(value));
          return { ok: false as const, error: { type: text(e.type), code: text(e.code), message: String(e.message ?? error) } };
        }
      },
      { method, args },
    );
  }

  /** Like `run`, but a rejection fails the test with the SDK's error. */
  async call<T = unknown>(method: string, ...args: unknown[]): Promise<T> {
    const result = await this.run<T>(method, ...args);
    if (!result.ok) throw new Error(`${method} failed: ${JSON.stringify(result.error)}`);
    return result.value;
  }

  /** Creates (or, with a session id, resumes) the SDK session; returns the session id. */
  async login(token: string, sessionId?: string): Promise<string> {
    return this.call<string>('createSession', token, sessionId ?? null);
  }

  /** The events recorded so far, optionally of one name. */
  async events(name?: string): Promise<SdkEvent[]> {
    const all = await this.page.evaluate(() => (window as unknown as { harness: { events: SdkEvent[] } }).harness.events);
    return name ? all.filter((event) => event.name === name) : all;
  }

  /** Waits until an event of that name (matching `match`, if given) has been recorded; returns the first such. */
  async waitFor(name: string, match: (event: SdkEvent) => boolean = () => true): Promise<SdkEvent> {
    let found: SdkEvent | undefined;
    await expect
      .poll(async () => {
        found = (await this.events(name)).find(match);
        return found !== undefined;
      }, { message: `SDK event ${name}` })
      .toBe(true);
    return found!;
  }

  /** SDK log lines so far ("<level> <message>"), at Verbose and above. */
  async logs(): Promise<string[]> {
    return this.page.evaluate(() => (window as unknown as { harness: { logs: string[] } }).harness.logs);
  }

  /** Log lines where the SDK failed to parse something the platform sent it. */
  async parseErrors(): Promise<string[]> {
    return (await this.logs()).filter((line) => /Parsing error|SerializationException|MissingFieldException/.test(line));
  }

  /** Socket events the SDK received (parsed from its log), as JSON objects. */
  async received(type?: string): Promise<Array<Record<string, unknown>>> {
    const marker = 'didReceiveNewSocketEvent() params: ';
    const parsed = (await this.logs())
      .filter((line) => line.includes(marker))
      .map((line) => JSON.parse(line.slice(line.indexOf(marker) + marker.length)) as Record<string, unknown>);
    return type ? parsed.filter((event) => event.type === type) : parsed;
  }

  /** Packet and energy counters of a call's peer connection. */
  async media(callId: string): Promise<CallMedia> {
    return this.page.evaluate(async (id) => {
      const { client } = (window as unknown as { harness: { client: { getPeerConnection(id: string): RTCPeerConnection | undefined } } }).harness;
      const pc = client.getPeerConnection(id);
      const out = { packetsReceived: 0, packetsSent: 0, audioEnergy: 0 };
      if (!pc) return out;
      const report = await pc.getStats();
      report.forEach((stat: { type: string; kind?: string; packetsReceived?: number; packetsSent?: number; totalAudioEnergy?: number }) => {
        if (stat.kind !== 'audio') return;
        if (stat.type === 'inbound-rtp') {
          out.packetsReceived += stat.packetsReceived ?? 0;
          out.audioEnergy += stat.totalAudioEnergy ?? 0;
        }
        if (stat.type === 'outbound-rtp') out.packetsSent += stat.packetsSent ?? 0;
      });
      return out;
    }, callId);
  }

  /** The RTCP-based statistics of a call's audio, as Chromium reports them. */
  async rtcp(callId: string): Promise<CallRtcp> {
    return this.page.evaluate(async (id) => {
      const { client } = (window as unknown as { harness: { client: { getPeerConnection(id: string): RTCPeerConnection | undefined } } }).harness;
      const out: CallRtcp = { remoteInbound: null, remoteOutbound: null };
      const pc = client.getPeerConnection(id);
      if (!pc) return out;
      (await pc.getStats()).forEach((stat: { type: string; kind?: string; roundTripTime?: number; packetsLost?: number; jitter?: number; packetsSent?: number; bytesSent?: number }) => {
        if (stat.kind !== 'audio') return;
        if (stat.type === 'remote-inbound-rtp') out.remoteInbound = { roundTripTime: stat.roundTripTime, packetsLost: stat.packetsLost, jitter: stat.jitter };
        if (stat.type === 'remote-outbound-rtp') out.remoteOutbound = { packetsSent: stat.packetsSent, bytesSent: stat.bytesSent };
      });
      return out;
    }, callId);
  }

  /** Waits until a call's audio flows both ways: `more` packets received and sent beyond now. */
  async expectAudioFlowing(callId: string, more = 25): Promise<void> {
    const before = await this.media(callId);
    await expect.poll(async () => (await this.media(callId)).packetsReceived, { message: 'packets received' }).toBeGreaterThan(before.packetsReceived + more);
    await expect.poll(async () => (await this.media(callId)).packetsSent, { message: 'packets sent' }).toBeGreaterThan(before.packetsSent + more);
  }

  async close(): Promise<void> {
    await this.page.close();
  }
}
