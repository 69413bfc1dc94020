/**
 * The sandbox run on its own (`sandbox/index.ts`), as an operator starts it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dataDir = mkdtempSync(join(tmpdir(), 'sandbox-standalone-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('the sandbox on its own', () => {
  it('says in one line why it could not start (a media address not on this machine) and exits 1', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'sandbox/index.ts'], {
      cwd: join(import.meta.dirname, '../../..'),
      // 192.0.2.1: TEST-NET-1 (RFC 5737), never an address of this machine.
      env: { ...process.env, SANDBOX_MEDIA_ADDRESS: '192.0.2.1', SANDBOX_PORT: '0', SANDBOX_HOST: '127.0.0.1', DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('Could not start the sandbox: the media socket could not bind 192.0.2.1:0: bind EADDRNOTAVAIL 192.0.2.1');
  }, 30_000);
});
