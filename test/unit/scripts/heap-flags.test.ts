/**
 * The platform's V8 heap sizing (docs/ARCHITECTURE.md, "The process's heap"): every npm script
 * whose process runs the sandbox passes the same `--initial-old-space-size`, and tsx hands it
 * on to node (it is a V8 flag NODE_OPTIONS refuses, so the command line is the only way in).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const FLAG = /tsx (--initial-old-space-size=\d+) /;
const dir = mkdtempSync(join(tmpdir(), 'switchboard-heap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the platform heap flag', () => {
  it('is passed to tsx, with one value, by every script that runs the sandbox in its process', () => {
    const flags = ['start', 'platform', 'bench'].map((name) => scripts[name]?.match(FLAG)?.[1] ?? `${name}: no flag`);
    expect(new Set(flags)).toEqual(new Set(['--initial-old-space-size=256']));
    // The documented commands that run the sandbox alone or the media bench alone name the same.
    expect(readFileSync(join(root, 'sandbox/index.ts'), 'utf8')).toContain('npx tsx --initial-old-space-size=256 sandbox/index.ts');
    const architecture = readFileSync(join(root, 'docs/ARCHITECTURE.md'), 'utf8');
    expect(architecture).toContain('npx tsx --initial-old-space-size=256 sandbox/index.ts');
    expect(architecture).toContain('npx tsx --initial-old-space-size=256 test/bench/media-capacity.ts');
    expect(readFileSync(join(root, 'test/bench/media-capacity.ts'), 'utf8')).toContain('npx tsx --initial-old-space-size=256 test/bench/media-capacity.ts');
  });

  it('reaches node through tsx, and V8 takes it', () => {
    const flag = scripts.platform!.match(FLAG)![1]!;
    const probe = join(dir, 'probe.ts');
    // A V8 flag it did not know would end node with "bad option" before this ran.
    writeFileSync(probe, 'console.log(JSON.stringify(process.execArgv));\n');
    const out = execFileSync(join(root, 'node_modules/.bin/tsx'), [flag, probe], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(out.trim())).toContain(flag);
  });
});
