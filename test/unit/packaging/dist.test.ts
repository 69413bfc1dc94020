/**
 * `npm run dist` for Linux, against a stand-in Electron (no runtime exists here): the unpacked
 * app, the .deb and the .tar.gz are built with the project's offline tools (dpkg-deb behind
 * fpm's command line, Debian's 7-Zip), then their contents are checked — the ASAR's files and
 * size, the fuses as @electron/fuses reads them, the .desktop entry, and the deb's control file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listPackage, extractFile } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, DESKTOP_OUTPUTS, ROOT } from '../../../scripts/build-desktop';
import { findSevenZip, packageDesktop } from '../../../scripts/dist';
import { LINUX_ICON_SIZES } from '../../../scripts/icons';
import { createStandInElectron } from './stand-in-electron';

const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  desktopName: string;
  homepage: string;
  author: { email: string };
  devDependencies: Record<string, string>;
};
const electronVersion = manifest.devDependencies.electron!;

/** A fuse's byte in the wire ('0' off, '1' on), as @electron/fuses's FuseState has it. */
const FuseState = { DISABLE: '0'.charCodeAt(0), ENABLE: '1'.charCodeAt(0) } as const;

function hasDpkgDeb(): boolean {
  try {
    execFileSync('dpkg-deb', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const missing = [!hasDpkgDeb() && 'dpkg-deb (Debian’s dpkg)', !findSevenZip() && '7-Zip (apt-get install 7zip)'].filter(Boolean);
if (missing.length) console.warn(`Skipping the packaging test: ${missing.join(' and ')} not installed here`);

/** Bundles first when a run without `npm run build` left none (the renderer through Vite). */
async function ensureBuilt(): Promise<void> {
  if (!existsSync(path.join(ROOT, 'dist/renderer/index.html'))) {
    execFileSync(path.join(ROOT, 'node_modules/.bin/vite'), ['build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
  }
  if (!existsSync(DESKTOP_OUTPUTS.main) || !existsSync(DESKTOP_OUTPUTS.preload)) await buildApp();
}

function parseDesktopEntry(text: string): Record<string, string> {
  const entry: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) entry[line.slice(0, at)] = line.slice(at + 1);
  }
  return entry;
}

function parseControl(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z-]+): (.*)$/.exec(line);
    if (match) fields[match[1]!] = match[2]!;
  }
  return fields;
}

describe.skipIf(missing.length > 0)('npm run dist for Linux', () => {
  let work: string;
  let out: string;
  let artifacts: string[];

  beforeAll(async () => {
    await ensureBuilt();
    work = mkdtempSync(path.join(tmpdir(), 'switchboard-dist-'));
    const electronDist = createStandInElectron(path.join(work, 'electron'), electronVersion);
    out = path.join(work, 'release');
    artifacts = await packageDesktop({ platform: 'linux', electronDist, outputDir: out });
  }, 180_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const deb = () => path.join(out, `switchboard_${manifest.version}_amd64.deb`);
  const asar = () => path.join(out, 'linux-unpacked/resources/app.asar');

  it('writes the unpacked app, a .deb and a .tar.gz', () => {
    expect(artifacts.map((file) => path.basename(file)).sort()).toEqual([`switchboard-${manifest.version}.tar.gz`, path.basename(deb())].sort());
    expect(existsSync(path.join(out, 'linux-unpacked/switchboard'))).toBe(true);
    const tarball = execFileSync('tar', ['-tzf', path.join(out, `switchboard-${manifest.version}.tar.gz`)], { encoding: 'utf8' }).split('\n');
    expect(tarball).toContain(`switchboard-${manifest.version}/switchboard`);
    expect(tarball).toContain(`switchboard-${manifest.version}/resources/app.asar`);
  });

  it('packs only the main, preload and renderer bundles into the ASAR, and keeps it small', () => {
    const files = listPackage(asar(), { isPack: false }).map((file) => file.replaceAll('\\', '/'));
    const leaves = files.filter((file) => !statDirectory(file));
    expect(leaves).toContain('/dist/main/main.cjs');
    expect(leaves).toContain('/dist/preload/preload.cjs');
    expect(leaves).toContain('/dist/renderer/index.html');
    expect(leaves).toContain('/dist/renderer/ring.html');
    expect(leaves).toContain('/package.json');
    for (const file of leaves) {
      expect(file, `${file} does not belong in the app`).toMatch(/^\/(dist\/(main|preload|renderer)\/|package\.json$)/);
      expect(file).not.toMatch(/\.(map|br|gz)$/);
    }
    expect(files.some((file) => file.includes('node_modules'))).toBe(false);
    // The bundles are a few MB; the server's packages would be over 100 MB.
    expect(statSync(asar()).size).toBeLessThan(8 * 1024 * 1024);
    const packaged = JSON.parse(extractFile(asar(), 'package.json').toString('utf8')) as { main: string; desktopName: string };
    expect(packaged.main).toBe('dist/main/main.cjs');
    expect(packaged.desktopName).toBe(manifest.desktopName);

    function statDirectory(file: string): boolean {
      return listPackage(asar(), { isPack: false }).some((other) => other.startsWith(`${file}/`));
    }
  });

  it('sets the fuses electron-builder.yml asks for', async () => {
    const wire = await getCurrentFuseWire(path.join(out, 'linux-unpacked/switchboard'));
    expect(wire[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableCookieEncryption]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(FuseState.DISABLE);
  });

  it('installs a .desktop entry for tel: and callto: that matches the window class', () => {
    const text = execFileSync('sh', ['-c', `dpkg-deb --fsys-tarfile "$1" | tar -xO ./usr/share/applications/switchboard.desktop`, 'sh', deb()], { encoding: 'utf8' });
    const entry = parseDesktopEntry(text);
    expect(entry.Name).toBe('Switchboard');
    expect(entry.Exec).toBe('/opt/Switchboard/switchboard %U');
    expect(entry.Icon).toBe('switchboard');
    expect(entry.MimeType?.split(';')).toEqual(expect.arrayContaining(['x-scheme-handler/tel', 'x-scheme-handler/callto']));
    // Electron takes the window's WM_CLASS / app_id from package.json's desktopName.
    expect(entry.StartupWMClass).toBe(manifest.desktopName.replace(/\.desktop$/, ''));
  });

  it('writes the deb control file with its dependencies, and installs the app, icons and scripts', () => {
    const control = parseControl(execFileSync('dpkg-deb', ['--field', deb()], { encoding: 'utf8' }));
    expect(control.Package).toBe('switchboard');
    expect(control.Version).toBe(manifest.version);
    expect(control.Architecture).toBe('amd64');
    expect(control.Maintainer).toContain(`<${manifest.author.email}>`);
    expect(control.Homepage).toBe(manifest.homepage);
    expect(control.Description).toBe('Softphone for contact-center agents');
    const depends = control.Depends!.split(', ');
    expect(depends).toEqual(expect.arrayContaining(['libgtk-3-0', 'libnss3', 'libnotify4', 'libsecret-1-0', 'libasound2', 'xdg-utils']));
    expect(Number(control['Installed-Size'])).toBeGreaterThan(0);

    const contents = execFileSync('dpkg-deb', ['--contents', deb()], { encoding: 'utf8' });
    expect(contents).toMatch(/^drwxr-xr-x root\/root .* \.\/$/m);
    expect(contents).toMatch(/^-rwxr-xr-x root\/root .* \.\/opt\/Switchboard\/switchboard$/m);
    expect(contents).toMatch(/ \.\/opt\/Switchboard\/resources\/app\.asar$/m);
    for (const size of LINUX_ICON_SIZES) expect(contents).toContain(`./usr/share/icons/hicolor/${size}x${size}/apps/switchboard.png`);
    const info = execFileSync('dpkg-deb', ['--info', deb()], { encoding: 'utf8' });
    expect(info).toMatch(/postinst/);
    expect(info).toMatch(/postrm/);
  });
});
