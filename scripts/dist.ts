/**
 * Packages the desktop app with electron-builder, without downloading anything at build time.
 *
 *   npm run dist                         the host's targets (Linux: unpacked, .deb, .tar.gz)
 *   npx tsx scripts/dist.ts --linux      one platform: --linux, --win or --mac
 *
 * `npm run dist` builds the bundles first; this script then renders the icons
 * (`scripts/icons.ts`) and runs electron-builder with `electron-builder.yml` and three local tools:
 * - **the Electron runtime**: `electronDist` points at an unpacked Electron
 *   (`SWITCHBOARD_ELECTRON_DIST`, else `ELECTRON_OVERRIDE_DIST_PATH`, else the electron
 *   package's own `dist/`), never the download electron-builder would start;
 * - **.deb**: `CUSTOM_FPM_PATH` is `scripts/fpm-dpkg.sh`, Debian's dpkg-deb behind fpm's command line;
 * - **.tar.gz**: `ELECTRON_BUILDER_7ZIP_PATH` is Debian's 7-Zip (`apt-get install 7zip`).
 * Windows and macOS targets are configured in `electron-builder.yml` (NSIS per user; dmg with
 * the hardened runtime, entitlements and notarisation from APPLE_* variables) and need their
 * own platform's tools.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Arch, build, Platform, type CliOptions } from 'electron-builder';
import { ROOT } from './build-desktop';
import { generateIcons } from './icons';

/** The executable an unpacked Electron holds, per platform. */
const ELECTRON_EXECUTABLE: Record<string, string> = {
  linux: 'electron',
  win32: 'electron.exe',
  darwin: 'Electron.app/Contents/MacOS/Electron',
};

/** Options of {@link packageDesktop}. */
export interface PackageOptions {
  platform: 'linux' | 'win32' | 'darwin';
  /** An unpacked Electron distribution; found by {@link findElectronDist} when omitted. */
  electronDist?: string;
  /** Where packages go; `release/` by default. */
  outputDir?: string;
  /** Linux targets; by default the unpacked app, a .deb and a .tar.gz. */
  linuxTargets?: string[];
}

/** The unpacked Electron to package, or why there is none. */
export function findElectronDist(platform: string, env: NodeJS.ProcessEnv = process.env): { dir: string } | { reason: string } {
  const candidates = [env.SWITCHBOARD_ELECTRON_DIST, env.ELECTRON_OVERRIDE_DIST_PATH, path.join(ROOT, 'node_modules/electron/dist')];
  const executable = ELECTRON_EXECUTABLE[platform] ?? 'electron';
  for (const dir of candidates) {
    if (dir && existsSync(path.join(dir, executable))) return { dir: path.resolve(dir) };
  }
  return {
    reason:
      `no unpacked Electron with ${executable} found (SWITCHBOARD_ELECTRON_DIST, ELECTRON_OVERRIDE_DIST_PATH, node_modules/electron/dist): ` +
      'install the electron package with its runtime (node node_modules/electron/install.js) or point SWITCHBOARD_ELECTRON_DIST at one',
  };
}

/** The first 7-Zip on PATH (Debian's `7zip` package installs 7zz; p7zip installs 7za). */
export function findSevenZip(env: NodeJS.ProcessEnv = process.env): string | null {
  for (const name of ['7zz', '7za', '7z']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { env, encoding: 'utf8' }).trim() || null;
    } catch {
      // not this one
    }
  }
  return null;
}

/** Runs electron-builder for one platform; returns the artifacts it wrote. */
export async function packageDesktop(options: PackageOptions): Promise<string[]> {
  const electron = options.electronDist ? { dir: options.electronDist } : findElectronDist(options.platform);
  if ('reason' in electron) throw new Error(`Cannot package: ${electron.reason}`);
  await generateIcons();

  // electron-builder reads its tools from process.env; set for this build, restored after.
  const tools: Record<string, string> = {};
  if (options.platform === 'linux') {
    const sevenZip = findSevenZip();
    if (!sevenZip) throw new Error('Cannot package: no 7-Zip on PATH for the .tar.gz (apt-get install 7zip)');
    tools.CUSTOM_FPM_PATH = process.env.CUSTOM_FPM_PATH ?? path.join(ROOT, 'scripts/fpm-dpkg.sh');
    tools.ELECTRON_BUILDER_7ZIP_PATH = process.env.ELECTRON_BUILDER_7ZIP_PATH ?? sevenZip;
  }

  const platform = { linux: Platform.LINUX, win32: Platform.WINDOWS, darwin: Platform.MAC }[options.platform];
  const targetNames = options.platform === 'linux' ? (options.linuxTargets ?? ['dir', 'deb', 'tar.gz']) : [];
  const cli: CliOptions = {
    projectDir: ROOT,
    targets: targetNames.length ? platform.createTarget(targetNames, Arch.x64) : platform.createTarget(),
    publish: 'never',
    // The file's settings, plus where this build's Electron and output are.
    config: {
      extends: path.join(ROOT, 'electron-builder.yml'),
      electronDist: electron.dir,
      ...(options.outputDir ? { directories: { output: options.outputDir, buildResources: 'build' } } : {}),
    },
  };
  const saved = Object.fromEntries(Object.keys(tools).map((name) => [name, process.env[name]]));
  Object.assign(process.env, tools);
  try {
    return await build(cli);
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

if (process.argv[1] && /(^|[\\/])dist\.[cm]?[tj]s$/.test(process.argv[1])) {
  const flag = process.argv[2];
  const platform = flag === '--win' ? 'win32' : flag === '--mac' ? 'darwin' : flag === '--linux' ? 'linux' : process.platform;
  if (platform !== 'linux' && platform !== 'win32' && platform !== 'darwin') {
    console.error(`Unknown platform ${flag ?? platform}: use --linux, --win or --mac`);
    process.exit(2);
  }
  packageDesktop({ platform }).then(
    (files) => console.log(`Packages:\n${files.map((file) => `  ${path.relative(ROOT, file)}`).join('\n')}`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
