/**
 * A call's media on a websocket, as Vonage's `connect` to a `websocket` endpoint carries it.
 *
 * The platform opens the socket to the application's URI and first sends one text message,
 * JSON: `event: "websocket:connected"`, the audio format in `content-type` and every header
 * of the NCCO's endpoint as top-level fields. Then audio flows both ways as binary messages
 * of 16-bit linear PCM, little-endian, mono, in 20 ms frames: 320 bytes at 8 kHz, 640 bytes
 * at 16 kHz, 960 at 24 kHz. What the application sends is played into the call at the media clock's pace
 * (it may send faster than real time: the rest waits in a buffer, as on Vonage); messages
 * need not be whole frames. Keys pressed in the call reach the socket as text messages
 * `{"event": "websocket:dtmf", "digit", "duration"}`, and the application may send
 * `{"action": "clear"}` to drop what it sent but has not been played yet.
 *
 * The call's media inside the sandbox is 8 kHz µ-law; higher rates are made by linear
 * interpolation going out and by averaging coming in.
 */
import WebSocket from 'ws';
import type { MediaClock } from './clock';
import type { MediaCounters, MediaEndpoint } from './endpoint';
import { FRAME_SAMPLES, MULAW_TO_LINEAR, mulawEncode } from './g711';

/** The audio formats a websocket endpoint takes (Vonage's `content-type`). */
export const WEBSOCKET_CONTENT_TYPES = ['audio/l16;rate=8000', 'audio/l16;rate=16000', 'audio/l16;rate=24000'] as const;
export type WebSocketContentType = (typeof WEBSOCKET_CONTENT_TYPES)[number];

/** The sample rate a content type names. */
export function websocketRate(contentType: WebSocketContentType): number {
  return Number(contentType.slice('audio/l16;rate='.length));
}

/** Audio the application may queue ahead of playback (60 s at 16 kHz); older audio is dropped beyond it. */
const MAX_QUEUED_BYTES = 60 * 32_000;

/** How a socket's life ended, for the leg's events. */
export type SocketEnd = { by: 'application'; code: number; reason: string } | { by: 'platform' };

/** Options of a websocket endpoint. */
export interface WebSocketEndpointOptions {
  uri: string;
  contentType: WebSocketContentType;
  headers: Record<string, unknown>;
  /** How long the socket may take to open. */
  connectTimeoutMs: number;
}

/** One websocket connection carrying a leg's audio. */
export class WebSocketEndpoint implements MediaEndpoint {
  private listener: ((frame: Buffer) => void) | null = null;
  private readonly stats: MediaCounters = { packets_sent: 0, packets_received: 0 };
  private removeTick: (() => void) | null = null;
  private readonly rate: number;
  /** Samples at the socket's rate per sample of the call's 8 kHz (1, 2 or 3). */
  private readonly step: number;
  private readonly frameBytes: number;
  private queued: Buffer[] = [];
  private queuedBytes = 0;
  private readonly samples8k = new Int16Array(FRAME_SAMPLES);
  private endResolve!: (end: SocketEnd) => void;
  /** Settles once the socket has closed, saying which side closed it. */
  readonly closed = new Promise<SocketEnd>((resolve) => (this.endResolve = resolve));
  /** Text messages the application sent that the sandbox does not act on (kept for tests and logs). */
  readonly textReceived: string[] = [];

  private constructor(
    readonly id: string,
    private readonly socket: WebSocket,
    contentType: WebSocketContentType,
  ) {
    this.rate = websocketRate(contentType);
    this.step = this.rate / 8000;
    this.frameBytes = (this.rate / 50) * 2;
  }

  /**
   * Opens the socket and sends the first message; rejects when the application's server does
   * not accept the connection in time.
   */
  static async open(id: string, clock: MediaClock, options: WebSocketEndpointOptions): Promise<WebSocketEndpoint> {
    const socket = new WebSocket(options.uri, { handshakeTimeout: options.connectTimeoutMs });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', (error) => reject(error));
      socket.once('unexpected-response', (_request, response) => reject(new Error(`the server answered HTTP ${response.statusCode}`)));
    });
    const endpoint = new WebSocketEndpoint(id, socket, options.contentType);
    socket.on('message', (data, isBinary) => endpoint.received(data as Buffer, isBinary));
    socket.on('error', () => undefined); // the close that follows ends the leg
    socket.once('close', (code, reason) => endpoint.socketClosed({ by: 'application', code, reason: reason.toString('utf8') }));
    socket.send(JSON.stringify({ ...options.headers, event: 'websocket:connected', 'content-type': options.contentType }));
    endpoint.removeTick = clock.add(() => endpoint.tick());
    return endpoint;
  }

  onFrame(listener: ((frame: Buffer) => void) | null): void {
    this.listener = listener;
  }

  /** A frame of the call (µ-law, 8 kHz) goes to the application as 16-bit linear PCM at its rate. */
  deliver(frame: Buffer): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    const out = Buffer.allocUnsafe(this.frameBytes);
    const n = Math.min(frame.length, FRAME_SAMPLES);
    const step = this.step;
    for (let i = 0; i < n; i++) {
      const a = MULAW_TO_LINEAR[frame[i]!]!;
      const b = i + 1 < n ? MULAW_TO_LINEAR[frame[i + 1]!]! : a;
      for (let k = 0; k < step; k++) out.writeInt16LE(Math.round(a + ((b - a) * k) / step), (i * step + k) * 2);
    }
    out.fill(0, n * step * 2);
    this.stats.packets_sent++;
    this.socket.send(out, { binary: true });
  }

  /** Tells the application about a key pressed in the call. */
  sendDtmf(digit: string, durationMs = 250): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ event: 'websocket:dtmf', digit, duration: durationMs }));
  }

  counters(): MediaCounters {
    return { ...this.stats };
  }

  /** Audio queued from the application and not yet played, in milliseconds. */
  get bufferedMs(): number {
    return (this.queuedBytes / (this.rate * 2)) * 1000;
  }

  /** The platform ends the leg: the socket closes normally. */
  close(): void {
    this.stop();
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(1000, 'call ended');
    this.endResolve({ by: 'platform' });
  }

  private socketClosed(end: SocketEnd): void {
    this.stop();
    this.endResolve(end);
  }

  private stop(): void {
    this.removeTick?.();
    this.removeTick = null;
    this.listener = null;
    this.queued = [];
    this.queuedBytes = 0;
  }

  private received(data: Buffer, isBinary: boolean): void {
    if (!isBinary) {
      const text = data.toString('utf8');
      if (isClear(text)) {
        this.queued = [];
        this.queuedBytes = 0;
      } else this.textReceived.push(text);
      return;
    }
    this.stats.packets_received++;
    this.queued.push(data);
    this.queuedBytes += data.length;
    while (this.queuedBytes > MAX_QUEUED_BYTES) this.queuedBytes -= this.queued.shift()!.length;
  }

  /** Takes one frame's worth of the application's audio, if a whole frame is queued. */
  private takeFrame(): Buffer | null {
    if (this.queuedBytes < this.frameBytes) return null;
    const frame = Buffer.allocUnsafe(this.frameBytes);
    let filled = 0;
    while (filled < this.frameBytes) {
      const head = this.queued[0]!;
      const take = Math.min(head.length, this.frameBytes - filled);
      head.copy(frame, filled, 0, take);
      filled += take;
      if (take === head.length) this.queued.shift();
      else this.queued[0] = head.subarray(take);
    }
    this.queuedBytes -= this.frameBytes;
    return frame;
  }

  /** Plays one 20 ms frame of what the application sent into the call. */
  private tick(): void {
    const frame = this.takeFrame();
    if (!frame || !this.listener) return;
    const step = this.step;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      let sum = 0;
      for (let k = 0; k < step; k++) sum += frame.readInt16LE((i * step + k) * 2);
      this.samples8k[i] = Math.round(sum / step);
    }
    this.listener(mulawEncode(this.samples8k));
  }
}

function isClear(text: string): boolean {
  try {
    const message = JSON.parse(text) as { action?: unknown };
    return message.action === 'clear';
  } catch {
    return false;
  }
}
