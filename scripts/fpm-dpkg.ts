/**
 * The part of fpm that electron-builder's `deb` target uses, done with Debian's `dpkg-deb`.
 *
 * electron-builder builds a .deb by running fpm, which it downloads (a Ruby bundle) from
 * outside the npm registry, and fpm is not packaged in Debian. `scripts/dist.ts` points
 * `CUSTOM_FPM_PATH` at `scripts/fpm-dpkg.sh` (a shell wrapper around this file), so the same
 * target builds offline: the arguments are read as fpm reads them (`-s dir -t deb`, metadata
 * flags, `source=destination` mappings), staged into a folder with a `DEBIAN/control`,
 * `postinst` and `postrm`, and packed by `dpkg-deb --root-owner-group`.
 *
 * Any flag it does not know stops the build: a silently dropped option would ship a wrong package.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** fpm's options that take a value, as electron-builder passes them for a deb. */
const VALUE_FLAGS = new Set([
  '-s',
  '-t',
  '-d',
  '--architecture',
  '--after-install',
  '--after-remove',
  '--description',
  '--version',
  '--package',
  '--name',
  '--maintainer',
  '--vendor',
  '--url',
  '--category',
  '--license',
  '--iteration',
  '--deb-priority',
  '--deb-compression',
  '--deb-recommends',
  '--log',
]);
const SWITCHES = new Set(['--force', '--debug']);

/** What the command line asks for. */
export interface FpmRequest {
  options: Map<string, string[]>;
  /** `source=destination` pairs; a source ending in `/` means the folder's contents. */
  mappings: Array<{ source: string; destination: string }>;
}

/** Parses fpm's command line (the subset above); throws on anything else. */
export function parseFpmArgs(args: readonly string[]): FpmRequest {
  const options = new Map<string, string[]>();
  const mappings: FpmRequest['mappings'] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (SWITCHES.has(arg)) continue;
    if (VALUE_FLAGS.has(arg)) {
      const value = args[++i];
      if (value === undefined) throw new Error(`fpm-dpkg: ${arg} needs a value`);
      options.set(arg, [...(options.get(arg) ?? []), value]);
      continue;
    }
    if (arg.startsWith('-')) throw new Error(`fpm-dpkg: unsupported fpm option ${arg}`);
    const at = arg.lastIndexOf('=');
    if (at <= 0) throw new Error(`fpm-dpkg: expected source=destination, got ${arg}`);
    mappings.push({ source: arg.slice(0, at), destination: arg.slice(at + 1) });
  }
  const one = (flag: string) => options.get(flag)?.at(-1);
  if (one('-s') !== 'dir' || one('-t') !== 'deb') throw new Error('fpm-dpkg: only -s dir -t deb is supported');
  for (const required of ['--name', '--version', '--architecture', '--package']) {
    if (!one(required)) throw new Error(`fpm-dpkg: ${required} is required`);
  }
  return { options, mappings };
}

/** The `DEBIAN/control` text for a request and its installed size in KiB. */
export function controlFile(request: FpmRequest, installedSizeKiB: number): string {
  const one = (flag: string) => request.options.get(flag)?.at(-1);
  const all = (flag: string) => request.options.get(flag) ?? [];
  const version = one('--iteration') ? `${one('--version')}-${one('--iteration')}` : one('--version')!;
  // fpm's description: the first line is the synopsis, the rest the extended description.
  const [synopsis = '', ...rest] = (one('--description') ?? '').split('\n');
  const extended = rest
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => ` ${line}`);
  const fields: Array<[string, string | undefined]> = [
    ['Package', one('--name')],
    ['Version', version],
    ['License', one('--license')],
    ['Vendor', one('--vendor')],
    ['Architecture', one('--architecture')],
    ['Maintainer', one('--maintainer')],
    ['Installed-Size', String(installedSizeKiB)],
    ['Depends', all('-d').join(', ') || undefined],
    ['Recommends', all('--deb-recommends').join(', ') || undefined],
    ['Section', one('--category')],
    ['Priority', one('--deb-priority') ?? 'optional'],
    ['Homepage', one('--url')],
    ['Description', synopsis.trim() || one('--name')],
  ];
  const lines = fields.filter(([, value]) => value !== undefined && value !== '').map(([name, value]) => `${name}: ${value!}`);
  return `${[...lines, ...extended].join('\n')}\n`;
}

function sizeOf(target: string): number {
  const stat = lstatSync(target);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(target).reduce((total, entry) => total + sizeOf(path.join(target, entry)), 0);
}

/** Builds the package the request describes. */
export function buildDeb(request: FpmRequest): string {
  const one = (flag: string) => request.options.get(flag)?.at(-1);
  const staging = mkdtempSync(path.join(tmpdir(), 'fpm-dpkg-'));
  try {
    // mkdtemp makes the folder 0700; it becomes the package's `/`.
    chmodSync(staging, 0o755);
    for (const { source, destination } of request.mappings) {
      const target = path.join(staging, destination);
      if (source.endsWith('/')) {
        mkdirSync(target, { recursive: true });
        for (const entry of readdirSync(source)) cpSync(path.join(source, entry), path.join(target, entry), { recursive: true, verbatimSymlinks: true });
      } else {
        mkdirSync(path.dirname(target), { recursive: true });
        cpSync(source, target, { recursive: statSync(source).isDirectory(), verbatimSymlinks: true });
      }
    }
    const installedSizeKiB = Math.ceil(sizeOf(staging) / 1024);
    const debian = path.join(staging, 'DEBIAN');
    mkdirSync(debian);
    writeFileSync(path.join(debian, 'control'), controlFile(request, installedSizeKiB));
    for (const [flag, script] of [['--after-install', 'postinst'], ['--after-remove', 'postrm']] as const) {
      const source = one(flag);
      if (!source) continue;
      cpSync(source, path.join(debian, script));
      chmodSync(path.join(debian, script), 0o755);
    }
    const output = one('--package')!;
    rmSync(output, { force: true });
    execFileSync('dpkg-deb', ['--root-owner-group', `-Z${one('--deb-compression') ?? 'xz'}`, '--build', staging, output], { stdio: ['ignore', 'ignore', 'inherit'] });
    return output;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

if (process.argv[1] && /(^|[\\/])fpm-dpkg\.[cm]?[tj]s$/.test(process.argv[1])) {
  try {
    const output = buildDeb(parseFpmArgs(process.argv.slice(2)));
    console.log(`Created package {:path=>"${output}"}`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
