import { describe, expect, it } from 'vitest';
import { faviconBadge } from '../../../renderer/src/alerts/favicon-badge';
import { IN_APP_SHORTCUTS } from '../../../renderer/src/ui/ShortcutsOverlay';

describe('the favicon badge', () => {
  it('says a call rings before anything else, else the missed count, else nothing', () => {
    expect(faviconBadge(false, 0)).toBeNull();
    expect(faviconBadge(false, 3)).toBe('3');
    expect(faviconBadge(true, 3)).toBe('!');
    expect(faviconBadge(true, 0)).toBe('!');
    expect(faviconBadge(false, 100)).toBe('99+');
  });
});

describe('the shortcuts overlay', () => {
  it('lists every in-app key once, with the overlay\'s own', () => {
    const keys = IN_APP_SHORTCUTS.map((s) => s.keys);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(expect.arrayContaining(['A', 'D', 'M', 'H', 'K', 'T', '?', 'Esc']));
  });
});
