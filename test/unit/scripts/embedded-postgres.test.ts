/**
 * The embedded PostgreSQL server and the launchers' shutdown: a Ctrl-C in the terminal (a
 * SIGINT to the whole process group) reaches the launcher, not the server, so the launcher
 * stops it after the backend has closed; a process that dies of a signal it does not handle
 * still stops the server it started.
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { temporaryClusterDir } from '../../../server/db/embedded';

const dir = temporaryClusterDir('launcher');
afterAll(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

/** Start the child in a process group of its own (as a terminal would); resolves once it is ready. */
async function child(mode: 'launcher' | 'bare') {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'embedded-child.ts'), dir, mode], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  await expect.poll(() => output, { timeout: 60_000, interval: 100 }).toContain('ready');
  return { pid: proc.pid!, exited, output: () => output };
}

const serverRunning = () => existsSync(join(dir, 'postmaster.pid'));

it('Ctrl-C reaches the launcher only: the server answers until the launcher stops it', { timeout: 90_000 }, async () => {
  const launcher = await child('launcher');
  expect(serverRunning()).toBe(true);
  process.kill(-launcher.pid, 'SIGINT');
  expect(await launcher.exited).toBe(0);
  expect(launcher.output()).toContain('{"answeredAfterCtrlC":true}');
  expect(serverRunning()).toBe(false);
});

it('a process killed by a signal it does not handle stops the server it started', { timeout: 90_000 }, async () => {
  const bare = await child('bare');
  expect(serverRunning()).toBe(true);
  process.kill(-bare.pid, 'SIGTERM');
  await bare.exited;
  // Fast shutdown, not waited for by the dying process.
  await expect.poll(serverRunning, { timeout: 15_000, interval: 100 }).toBe(false);
});
