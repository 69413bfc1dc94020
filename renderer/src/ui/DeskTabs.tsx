/**
 * The agent app's views: the phone, Recent calls (with the missed-call badge) and Voicemail.
 * Plain buttons with `aria-pressed` in a labelled navigation, so Tab and Enter reach them;
 * while a call rings or goes on the phone is shown and the others wait.
 */
import type { ReactNode } from 'react';
import { badgeText } from './RecentCalls';

export type DeskTab = 'phone' | 'recent' | 'voicemail';

/** The row of view buttons. */
export function DeskTabs({ tab, onTab, missed, locked }: { tab: DeskTab; onTab: (tab: DeskTab) => void; missed: number; locked: boolean }) {
  const button = (id: DeskTab, label: string, extra?: ReactNode) => (
    <button
      type="button"
      className={`desk-tab${tab === id ? ' chosen' : ''}`}
      data-testid={`tab-${id}`}
      aria-pressed={tab === id}
      disabled={locked && id !== 'phone'}
      onClick={() => onTab(id)}
    >
      {label}
      {extra}
    </button>
  );
  return (
    <nav className="desk-tabs" aria-label="Views">
      {button('phone', 'Phone')}
      {button(
        'recent',
        'Recent calls',
        missed > 0 ? (
          <span className="badge" data-testid="missed-badge">
            {badgeText(missed)}
            <span className="visually-hidden"> missed</span>
          </span>
        ) : undefined,
      )}
      {button('voicemail', 'Voicemail')}
    </nav>
  );
}
