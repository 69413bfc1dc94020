/**
 * `npm run call`: the CLI runs as a child process against a sandbox started here, and its
 * output and exit code are what a person would see.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyAudio, goertzel } from '../../../sandbox/media/analysis';
import { startWebSocketPeer } from '../../../scripts/websocket-peer';
import { startSandboxAccount, type SandboxAccount } from '../../support/sandbox-account';
import { waitFor } from '../../support/wait';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
let account: SandboxAccount;

beforeAll(async () => {
  account = await startSandboxAccount('14155550188');
});
afterAll(async () => {
  await account.stop();
});

/** Runs `scripts/call.ts` with these arguments to its end. */
function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/call.ts', ...args], {
      cwd: root,
      env: { ...process.env, SANDBOX_PORT: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

/** The lines of output without their elapsed-time column. */
const lines = (stdout: string) => stdout.split('\n').filter(Boolean).map((line) => line.replace(/^\s*[0-9.]+s {2}/, ''));

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolvePort) => probe.listen(0, '127.0.0.1', resolvePort));
  const address = probe.address();
  await new Promise((resolveClose) => probe.close(resolveClose));
  return typeof address === 'object' && address ? address.port : 9;
}

describe('npm run call', () => {
  it('refuses bad arguments with a clear message and exit code 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /--to is required/],
      [['--to', 'Jane'], /--to must be a phone number/],
      [['--to', '+14155550188', '--from', '12'], /--from must be a phone number/],
      [['--to', '+14155550188', '--digits', '12x'], /--digits must be 1 to 20 of 0-9, \* and #/],
      [['--to', '+14155550188', '--hangup-after', '0'], /--hangup-after must be a number of seconds/],
      [['--to', '+14155550188', '--hangup-after', 'soon'], /--hangup-after must be a number of seconds/],
      [['--to', '+14155550188', '--sandbox', 'ftp://example.com'], /--sandbox must be an http\(s\) URL/],
      [['--to', '+14155550188', '--bogus'], /Unknown option '--bogus'/],
      [['--websocket', 'sing'], /--websocket must be echo or speak/],
      [['--websocket', 'echo', '--port', 'http'], /--port must be a port number/],
      [['--websocket', 'speak', '--say', ' '], /--say must not be empty/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(message);
      expect(run.stdout).toBe('');
    }
  });

  it('says when the sandbox cannot be reached, with exit code 3', async () => {
    const port = await closedPort();
    const run = await runCli(['--to', '+14155550188', '--sandbox', `http://127.0.0.1:${port}`]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`Cannot reach the sandbox at http://127.0.0.1:${port}`);
    expect(run.stderr).toMatch(/npm run platform/);
  });

  it('prints what the phone hears, presses the digits after the prompt, and exits 0 when the call completes', async () => {
    account.hooks.length = 0;
    account.setNcco([
      { action: 'talk', text: 'Press 1 for sales' },
      { action: 'input', type: ['dtmf'], dtmf: { maxDigits: 1, timeOut: 5 }, eventUrl: [`${account.hookUrl}/cli-input`] },
    ]);
    account.respond('/cli-input', [{ action: 'talk', text: 'You chose sales' }]);
    const run = await runCli(['--to', `+${account.number}`, '--from', '+14155550101', '--digits', '1', '--sandbox', account.sandbox.url]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out[0]).toMatch(/^calling \+14155550188 from \+14155550101 \(call [0-9a-f-]{36}\)$/);
    expect(out).toContain('answered');
    const prompt = out.indexOf('heard: "Press 1 for sales"');
    const pressed = out.indexOf('pressed 1');
    const reply = out.indexOf('heard: "You chose sales"');
    expect(prompt).toBeGreaterThan(0);
    expect(pressed).toBeGreaterThan(prompt);
    expect(reply).toBeGreaterThan(pressed);
    expect(out.at(-1)).toBe('completed');
    const input = account.hooks.find((h) => h.path === '/cli-input');
    expect(input?.body).toMatchObject({ from: '14155550101', dtmf: { digits: '1', timed_out: false } });
  });

  it('hangs up after --hangup-after seconds', async () => {
    account.setNcco([{ action: 'talk', text: 'Please hold', loop: 0 }]);
    const run = await runCli(['--to', account.number, '--hangup-after', '1', '--sandbox', account.sandbox.url]);
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out).toContain('heard: "Please hold"');
    expect(out).toContain('hanging up (after 1s)');
    expect(out).toContain('hung up: caller hung up');
    expect(out.at(-1)).toBe('completed');
  });

  it('exits 1 when the call ends any other way, and says how', async () => {
    account.setNcco([{ action: 'no-such-action' }]);
    const run = await runCli(['--to', account.number, '--sandbox', account.sandbox.url]);
    expect(run.code).toBe(1);
    expect(lines(run.stdout).at(-1)).toBe('failed');
  });

  it('finds the sandbox at SANDBOX_PORT when no --sandbox is given', async () => {
    account.setNcco([{ action: 'talk', text: 'Goodbye' }]);
    const run = await runCli(['--to', account.number], { SANDBOX_PORT: new URL(account.sandbox.url).port });
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toEqual(expect.arrayContaining(['heard: "Goodbye"', 'completed']));
  });

  it('acts as a speaking voice bot the call is connected to: the caller hears its speech and its answer to a key', async () => {
    const port = await closedPort();
    const uri = `ws://127.0.0.1:${port}/`;
    account.setNcco([{ action: 'connect', endpoint: [{ type: 'websocket', uri, 'content-type': 'audio/l16;rate=16000', headers: { flow: 'cli' } }] }]);
    const run = await runCli(['--to', account.number, '--websocket', 'speak', '--say', 'Hello from the bot', '--port', String(port), '--digits', '5', '--hangup-after', '6', '--sandbox', account.sandbox.url]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out[0]).toBe(`voice bot (speak) listening at ${uri}`);
    expect(out).toContain('voice bot: call connected: audio/l16;rate=16000, headers {"flow":"cli"}');
    expect(out).toContain('voice bot: saying "Hello from the bot"');
    expect(out).toContain('pressed 5');
    expect(out.indexOf('voice bot: saying "You pressed 5"')).toBeGreaterThan(out.indexOf('voice bot: caller pressed 5'));
    expect(out.indexOf('voice bot: caller pressed 5')).toBeGreaterThan(out.indexOf('voice bot: saying "Hello from the bot"'));
    expect(out.at(-1)).toBe('completed');
    // What the phone heard is the bot's speech.
    const uuid = /\(call ([0-9a-f-]{36})\)/.exec(run.stdout)![1]!;
    const wav = Buffer.from(await (await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls/${uuid}/audio`)).arrayBuffer());
    const samples = new Int16Array(wav.buffer.slice(wav.byteOffset + 44, wav.byteOffset + wav.length));
    expect(classifyAudio(samples).kind).toBe('speech');
  });

  it('echoes the caller back as a voice bot', async () => {
    const peer = await startWebSocketPeer({ mode: 'echo', text: '', port: 0 });
    try {
      account.setNcco([{ action: 'connect', endpoint: [{ type: 'websocket', uri: peer.uri, 'content-type': 'audio/l16;rate=8000' }] }]);
      const placed = (await (await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from: '+14155550102', to: account.number }) })).json()) as { uuid: string };
      const heardTone = async () => {
        const wav = Buffer.from(await (await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls/${placed.uuid}/audio`)).arrayBuffer());
        return goertzel(new Int16Array(wav.buffer.slice(wav.byteOffset + 44, wav.byteOffset + wav.length)).slice(-4000), 425);
      };
      // The phone's voice is a 425 Hz tone; it comes back through the bot.
      expect(await waitFor(heardTone, (level) => level > 2000)).toBeGreaterThan(2000);
      await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls/${placed.uuid}`, { method: 'DELETE' });
    } finally {
      await peer.close();
    }
  });
});
