import { describe, expect, it } from 'vitest';
import { DEFAULT_SERVER_URL, DEFAULT_SHORTCUTS, loadConfig } from '../../../main/config';

describe('loadConfig', () => {
  it('uses the defaults for an empty environment', () => {
    expect(loadConfig({})).toEqual({ serverUrl: DEFAULT_SERVER_URL, shortcuts: { ...DEFAULT_SHORTCUTS }, updateUrl: null });
    expect(DEFAULT_SHORTCUTS).toEqual({
      answer: 'CommandOrControl+Alt+A',
      hangup: 'CommandOrControl+Alt+H',
      mute: 'CommandOrControl+Alt+M',
      hold: 'CommandOrControl+Alt+P',
    });
  });

  it('reads overrides, trimming and ignoring empty values', () => {
    expect(
      loadConfig({
        SWITCHBOARD_SERVER_URL: ' https://switchboard.example.com/ ',
        SWITCHBOARD_ANSWER_SHORTCUT: 'F9',
        SWITCHBOARD_HANGUP_SHORTCUT: '',
      }),
    ).toEqual({
      serverUrl: 'https://switchboard.example.com',
      shortcuts: { answer: 'F9', hangup: DEFAULT_SHORTCUTS.hangup, mute: DEFAULT_SHORTCUTS.mute, hold: DEFAULT_SHORTCUTS.hold },
      updateUrl: null,
    });
  });

  it('reads the mute and hold shortcuts; an empty value turns one off', () => {
    expect(loadConfig({ SWITCHBOARD_MUTE_SHORTCUT: ' F10 ', SWITCHBOARD_HOLD_SHORTCUT: '' }).shortcuts).toEqual({
      answer: DEFAULT_SHORTCUTS.answer,
      hangup: DEFAULT_SHORTCUTS.hangup,
      mute: 'F10',
      hold: '',
    });
  });

  it('rejects a server URL that is not http(s)', () => {
    expect(() => loadConfig({ SWITCHBOARD_SERVER_URL: 'not a url' })).toThrow('SWITCHBOARD_SERVER_URL');
    expect(() => loadConfig({ SWITCHBOARD_SERVER_URL: 'file:///etc' })).toThrow('http(s)');
  });

  it('reads the auto-update feed (off when unset or empty) and rejects one that is not http(s)', () => {
    expect(loadConfig({ SWITCHBOARD_UPDATE_URL: ' https://updates.example.com/switchboard/ ' }).updateUrl).toBe('https://updates.example.com/switchboard');
    expect(loadConfig({ SWITCHBOARD_UPDATE_URL: '' }).updateUrl).toBeNull();
    expect(() => loadConfig({ SWITCHBOARD_UPDATE_URL: 'ftp://updates.example.com/' })).toThrow('SWITCHBOARD_UPDATE_URL must be an http(s) URL');
    expect(() => loadConfig({ SWITCHBOARD_UPDATE_URL: 'not a url' })).toThrow('SWITCHBOARD_UPDATE_URL');
  });
});
