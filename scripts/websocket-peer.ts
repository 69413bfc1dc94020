/**
 * A simulated voice bot: the far end of Vonage's `connect` to a `websocket` endpoint, for
 * trying a voice-bot flow by ear (`npm run call -- --websocket echo|speak`) and for tests.
 *
 * It reads the platform's first message (`websocket:connected` with the `content-type`) to
 * learn the rate, then either echoes every audio frame back (you hear yourself, a little
 * later) or speaks: says its text when the call connects and, after each key the caller
 * presses, "You pressed N". Speech is espeak-ng (the sandbox's own voice), sent in 20 ms
 * frames at real-time pace, as a bot streaming text-to-speech would.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { synthesize } from '../sandbox/media/speech';

export type PeerMode = 'echo' | 'speak';

/** What the peer reports as calls come and go. */
export type PeerLog = (line: string) => void;

export interface WebSocketPeerOptions {
  mode: PeerMode;
  /** What `speak` says when a call connects. */
  text: string;
  port: number;
  host?: string;
  log?: PeerLog;
}

export interface RunningPeer {
  /** The URI to put in a connect action's websocket endpoint. */
  uri: string;
  close(): Promise<void>;
}

const FRAME_MS = 20;

/** 8 kHz samples as 16-bit little-endian PCM at `rate` (8, 16 or 24 kHz; higher rates by linear interpolation). */
export function pcmAt(samples: Int16Array, rate: number): Buffer {
  const step = rate / 8000;
  const out = Buffer.alloc(samples.length * step * 2);
  for (let i = 0; i < samples.length; i++) {
    const a = samples[i]!;
    const b = i + 1 < samples.length ? samples[i + 1]! : a;
    for (let k = 0; k < step; k++) out.writeInt16LE(Math.round(a + ((b - a) * k) / step), (i * step + k) * 2);
  }
  return out;
}

/** The rate a first message's `content-type` names (Vonage: audio/l16;rate=8000, 16000 or 24000). */
function rateOf(message: Record<string, unknown>): number {
  const rate = Number(/rate=(\d+)/.exec(String(message['content-type'] ?? ''))?.[1]);
  return rate === 16000 || rate === 24000 ? rate : 8000;
}

/** One connected call. */
class PeerCall {
  private rate = 8000;
  private speaking: NodeJS.Timeout | null = null;
  private queue: Buffer[] = [];

  constructor(
    private readonly socket: WebSocket,
    private readonly options: WebSocketPeerOptions,
    private readonly log: PeerLog,
  ) {
    socket.on('message', (data, isBinary) => (isBinary ? this.audio(data as Buffer) : this.text(data.toString())));
    socket.on('close', (code) => {
      this.stopSpeaking();
      this.log(`call ended (socket closed, code ${code})`);
    });
  }

  private audio(frame: Buffer): void {
    if (this.options.mode === 'echo' && this.socket.readyState === this.socket.OPEN) this.socket.send(frame, { binary: true });
  }

  private text(raw: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return this.log(`text message that is not JSON: ${raw.slice(0, 80)}`);
    }
    if (message.event === 'websocket:connected') {
      this.rate = rateOf(message);
      const { event: _event, 'content-type': contentType, ...headers } = message;
      this.log(`call connected: ${String(contentType)}${Object.keys(headers).length ? `, headers ${JSON.stringify(headers)}` : ''}`);
      if (this.options.mode === 'speak') void this.say(this.options.text);
    } else if (message.event === 'websocket:dtmf') {
      this.log(`caller pressed ${String(message.digit)}`);
      if (this.options.mode === 'speak') void this.say(`You pressed ${String(message.digit)}`);
    } else this.log(`event: ${raw.slice(0, 120)}`);
  }

  /** Speaks text: synthesized, then sent one 20 ms frame per 20 ms after whatever is still queued. */
  private async say(text: string): Promise<void> {
    const samples = await synthesize(text);
    const pcm = pcmAt(samples, this.rate);
    const frameBytes = (this.rate / 50) * 2;
    for (let at = 0; at < pcm.length; at += frameBytes) {
      const frame = Buffer.alloc(frameBytes);
      pcm.copy(frame, 0, at, Math.min(pcm.length, at + frameBytes));
      this.queue.push(frame);
    }
    this.log(`saying "${text}"`);
    this.speaking ??= setInterval(() => {
      const frame = this.queue.shift();
      if (!frame || this.socket.readyState !== this.socket.OPEN) return this.stopSpeaking();
      this.socket.send(frame, { binary: true });
    }, FRAME_MS);
  }

  private stopSpeaking(): void {
    if (this.speaking) clearInterval(this.speaking);
    this.speaking = null;
  }
}

/** Starts the peer: a websocket server that takes the platform's calls. */
export async function startWebSocketPeer(options: WebSocketPeerOptions): Promise<RunningPeer> {
  const log = options.log ?? (() => undefined);
  const server = new WebSocketServer({ port: options.port, host: options.host ?? '127.0.0.1' });
  server.on('connection', (socket, request) => {
    log(`platform connected from ${request.socket.remoteAddress ?? '?'} to ${request.url ?? '/'}`);
    new PeerCall(socket, options, log);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    uri: `ws://${address}:${port}/`,
    close: async () => {
      for (const client of server.clients) client.terminate();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
