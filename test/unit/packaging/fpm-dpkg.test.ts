import { describe, expect, it } from 'vitest';
import { controlFile, parseFpmArgs } from '../../../scripts/fpm-dpkg';

const base = ['-s', 'dir', '--force', '-t', 'deb', '--name', 'switchboard', '--version', '1.2.3', '--architecture', 'amd64', '--package', '/tmp/x.deb'];

describe('fpm-dpkg: fpm’s command line for dpkg-deb', () => {
  it('reads metadata, repeated dependencies and source=destination mappings', () => {
    const request = parseFpmArgs([...base, '-d', 'libnss3', '-d', 'libasound2', '--description', 'Short\n Longer text', '/out/linux-unpacked/=/opt/Switchboard', '/b/icon.png=/usr/share/icons/a.png']);
    expect(request.mappings).toEqual([
      { source: '/out/linux-unpacked/', destination: '/opt/Switchboard' },
      { source: '/b/icon.png', destination: '/usr/share/icons/a.png' },
    ]);
    const control = controlFile(request, 42);
    expect(control).toContain('Depends: libnss3, libasound2\n');
    expect(control).toContain('Installed-Size: 42\n');
    expect(control).toMatch(/Description: Short\n Longer text\n$/);
  });

  it('refuses an option it does not implement rather than dropping it', () => {
    expect(() => parseFpmArgs([...base, '--deb-systemd', 'unit.service'])).toThrow(/unsupported fpm option --deb-systemd/);
  });

  it('refuses anything but a deb from a folder, and a package without a name', () => {
    expect(() => parseFpmArgs(base.map((arg) => (arg === 'deb' ? 'rpm' : arg)))).toThrow(/only -s dir -t deb/);
    expect(() => parseFpmArgs(base.filter((arg) => arg !== '--name' && arg !== 'switchboard'))).toThrow(/--name is required/);
  });
});
