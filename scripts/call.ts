/**
 * `npm run call -- --to <number>`: places a call from a simulated phone through the sandbox's
 * phone API and prints what the phone hears as it happens (statuses, talk texts, streams,
 * tones). `--digits` are pressed once the first prompt has finished playing; `--hangup-after`
 * hangs up that many seconds after the call is answered. Exits when the call ends: 0 when
 * it completed, 1 for any other final status, 2 for bad arguments, 3 when the sandbox cannot
 * be reached or refuses the call.
 *
 * `--websocket echo|speak` also runs a simulated voice bot: a websocket server the platform's
 * `connect` to a websocket endpoint reaches (see websocket-peer.ts). Alone it serves until
 * Ctrl-C; with `--to` it serves while the call lasts.
 */
import { parseArgs } from 'node:util';
import { FINAL_STATUSES, type Heard, type LegStatus } from '../sandbox/voice/legs';
import { startWebSocketPeer, type PeerMode } from './websocket-peer';

const USAGE = `Usage: npm run call -- --to <number> [--from <number>] [--digits <keys>] [--hangup-after <seconds>] [--sandbox <url>]
       npm run call -- --websocket echo|speak [--say <text>] [--port <port>] [--to <number> ...]

  --to            the number to call, e.g. +14155550199 (the contact center)
  --from          the calling phone's number (default +14155550100)
  --digits        keys to press after the first prompt, e.g. 1 or 12# (0-9, *, #)
  --hangup-after  hang up this many seconds after the call is answered
  --sandbox       the sandbox's URL (default http://127.0.0.1:$SANDBOX_PORT, port 3040)
  --websocket     also be a voice bot at ws://127.0.0.1:<port>/ for an NCCO's connect to a websocket:
                  echo sends the caller's audio back, speak says --say and then each key pressed
  --say           what speak says when a call connects
  --port          the voice bot's port (default 8090; 0 picks a free one)`;

const DEFAULT_SAY = 'Hello, this is the sandbox voice bot. Press a key and I will tell you which one.';

const NUMBER = /^\+?[1-9][0-9]{5,14}$/;
const DIGITS = /^[0-9*#]{1,20}$/;
const POLL_MS = 200;
/** The prompt counts as finished once the phone has heard nothing audible for this long. */
const QUIET_MS = 600;
/** Keys go after this long even if the prompt never goes quiet (looping music). */
const PROMPT_CAP_MS = 15_000;

/** Exit codes. */
const EXIT = { completed: 0, otherEnd: 1, usage: 2, sandbox: 3, interrupted: 130 } as const;

/** What the command was asked to do. */
interface CallOptions {
  to: string;
  from: string;
  digits: string | null;
  hangupAfterS: number | null;
  sandbox: string;
  websocket: { mode: PeerMode; text: string; port: number } | null;
}

interface PhoneCall {
  status: LegStatus;
  heard: Heard[];
  media: { audible_frames_received: number };
}

/** A problem to report on stderr with the exit code it ends with. */
class Failure extends Error {
  constructor(message: string, readonly code: number) {
    super(message);
  }
}

function parseOptions(argv: string[]): CallOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        to: { type: 'string' },
        from: { type: 'string', default: '+14155550100' },
        digits: { type: 'string' },
        'hangup-after': { type: 'string' },
        sandbox: { type: 'string', default: `http://127.0.0.1:${process.env.SANDBOX_PORT || 3040}` },
        websocket: { type: 'string' },
        say: { type: 'string', default: DEFAULT_SAY },
        port: { type: 'string', default: '8090' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new Failure(`${(error as Error).message}\n\n${USAGE}`, EXIT.usage);
  }
  if (values.help) throw new Failure(USAGE, 0);
  let websocket: CallOptions['websocket'] = null;
  if (values.websocket !== undefined) {
    if (values.websocket !== 'echo' && values.websocket !== 'speak') throw new Failure(`--websocket must be echo or speak (got "${values.websocket}")`, EXIT.usage);
    const port = Number(values.port);
    if (!/^[0-9]{1,5}$/.test(values.port) || port > 65_535) throw new Failure(`--port must be a port number, 0 to 65535 (got "${values.port}")`, EXIT.usage);
    if (values.say.trim() === '') throw new Failure('--say must not be empty', EXIT.usage);
    websocket = { mode: values.websocket, text: values.say, port };
  }
  if (!values.to && !websocket) throw new Failure(`--to is required\n\n${USAGE}`, EXIT.usage);
  if (values.to !== undefined && !NUMBER.test(values.to)) throw new Failure(`--to must be a phone number in E.164 form, like +14155550199 (got "${values.to}")`, EXIT.usage);
  if (!NUMBER.test(values.from)) throw new Failure(`--from must be a phone number in E.164 form, like +14155550100 (got "${values.from}")`, EXIT.usage);
  if (values.digits !== undefined && !DIGITS.test(values.digits)) {
    throw new Failure(`--digits must be 1 to 20 of 0-9, * and # (got "${values.digits}")`, EXIT.usage);
  }
  let hangupAfterS: number | null = null;
  if (values['hangup-after'] !== undefined) {
    hangupAfterS = Number(values['hangup-after']);
    if (!Number.isFinite(hangupAfterS) || hangupAfterS <= 0 || hangupAfterS > 86_400) {
      throw new Failure(`--hangup-after must be a number of seconds above 0 (got "${values['hangup-after']}")`, EXIT.usage);
    }
  }
  let sandbox: URL;
  try {
    sandbox = new URL(values.sandbox);
  } catch {
    throw new Failure(`--sandbox must be a URL like http://127.0.0.1:3040 (got "${values.sandbox}")`, EXIT.usage);
  }
  if (sandbox.protocol !== 'http:' && sandbox.protocol !== 'https:') throw new Failure(`--sandbox must be an http(s) URL (got "${values.sandbox}")`, EXIT.usage);
  return { to: values.to ?? '', from: values.from, digits: values.digits ?? null, hangupAfterS, sandbox: sandbox.origin, websocket };
}

/** The sandbox's phone API. */
class PhoneApi {
  constructor(private readonly base: string) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      const { cause } = error as Error & { cause?: { code?: string; message?: string } };
      const why = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new Failure(`Cannot reach the sandbox at ${this.base} (${why}). Is it running? Start it with npm run platform, or pass --sandbox <url>.`, EXIT.sandbox);
    }
    const text = await response.text();
    const json = text ? (JSON.parse(text) as T & { detail?: string }) : null;
    if (!response.ok) throw new Failure(`The sandbox refused ${method} ${path}: ${json?.detail ?? response.status}`, EXIT.sandbox);
    return json as T;
  }
}

function describeHeard(item: Heard): string {
  switch (item.type) {
    case 'talk':
      return `heard: "${item.text}"`;
    case 'stream':
      return `heard audio: ${item.url}`;
    case 'dtmf':
      return `heard tones: ${item.digits}`;
    case 'music':
      return `heard hold music${item.url ? `: ${item.url}` : ''}`;
    case 'hangup':
      return `hung up: ${item.reason}`;
  }
}

/** Places the call and follows it to its end; resolves with the exit code. */
async function follow(options: CallOptions): Promise<number> {
  const api = new PhoneApi(options.sandbox);
  const started = Date.now();
  const say = (line: string) => process.stdout.write(`${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s  ${line}\n`);
  const call = await api.request<{ uuid: string }>('POST', '/sandbox/v1/phone/calls', { from: options.from, to: options.to });
  say(`calling ${options.to} from ${options.from} (call ${call.uuid})`);

  let hangingUp = false;
  const hangUp = async (why: string) => {
    if (hangingUp) return;
    hangingUp = true;
    say(`hanging up (${why})`);
    await api.request('DELETE', `/sandbox/v1/phone/calls/${call.uuid}`);
  };
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    void hangUp('Ctrl-C').catch(() => process.exit(EXIT.interrupted));
  });

  let status = '';
  let heardCount = 0;
  let answeredAt: number | null = null;
  let digitsLeft = options.digits;
  /** When the first prompt was heard, and when the phone last heard something audible. */
  let promptAt: number | null = null;
  let audible = 0;
  let lastSoundAt = 0;
  for (;;) {
    const state = await api.request<PhoneCall>('GET', `/sandbox/v1/phone/calls/${call.uuid}`);
    const now = Date.now();
    // A new status comes before what was heard since, except the final one, which ends the story.
    const changed = state.status !== status;
    status = state.status;
    const final = FINAL_STATUSES.has(state.status);
    if (changed && !final) say(status);
    if (changed && status === 'answered') answeredAt = now;
    for (const item of state.heard.slice(heardCount)) {
      say(describeHeard(item));
      if (promptAt === null && (item.type === 'talk' || item.type === 'stream')) promptAt = now;
    }
    heardCount = state.heard.length;
    if (final) {
      say(status);
      return interrupted ? EXIT.interrupted : status === 'completed' ? EXIT.completed : EXIT.otherEnd;
    }

    if (state.media.audible_frames_received !== audible) {
      audible = state.media.audible_frames_received;
      lastSoundAt = now;
      // Audio with no talk or stream behind it (a voice bot on a websocket) is a prompt too.
      promptAt ??= now;
    }
    const promptOver = promptAt !== null && lastSoundAt >= promptAt && now - lastSoundAt >= QUIET_MS;
    if (digitsLeft && promptAt !== null && (promptOver || now - promptAt >= PROMPT_CAP_MS)) {
      const digits = digitsLeft;
      digitsLeft = null;
      await api.request('POST', `/sandbox/v1/phone/calls/${call.uuid}/dtmf`, { digits });
      say(`pressed ${digits}`);
    }
    if (options.hangupAfterS !== null && answeredAt !== null && now - answeredAt >= options.hangupAfterS * 1000) {
      await hangUp(`after ${options.hangupAfterS}s`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Runs the voice bot (until Ctrl-C, or while the call lasts) and the call, as asked. */
async function main(options: CallOptions): Promise<number> {
  if (!options.websocket) return follow(options);
  const peer = await startWebSocketPeer({
    ...options.websocket,
    log: (line) => process.stdout.write(`voice bot: ${line}\n`),
  }).catch((error: Error) => {
    throw new Failure(`The voice bot cannot listen on port ${options.websocket!.port}: ${error.message}`, EXIT.usage);
  });
  process.stdout.write(
    `voice bot (${options.websocket.mode}) listening at ${peer.uri}\n` +
      `connect a call to it with: {"action":"connect","endpoint":[{"type":"websocket","uri":"${peer.uri}","content-type":"audio/l16;rate=16000"}]}\n`,
  );
  try {
    if (options.to) return await follow(options);
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    return EXIT.completed;
  } finally {
    await peer.close();
  }
}

try {
  process.exitCode = await main(parseOptions(process.argv.slice(2)));
} catch (error) {
  if (!(error instanceof Failure)) throw error;
  (error.code === 0 ? process.stdout : process.stderr).write(`${error.message}\n`);
  process.exitCode = error.code;
}
