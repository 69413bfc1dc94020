/**
 * What the app's badge says, one rule for every place it shows: the web app's favicon
 * (`renderer/src/alerts/favicon-badge.ts`), the Recent calls tab, and the desktop app's icon
 * (`main/app-badge.ts`): "!" while a call rings, else the missed calls the agent has not seen.
 */
import { MISSED_BADGE_CAP } from './agent-desk';

/** The missed count as a badge shows it: "99+" from the backend's cap. */
export function badgeText(missed: number): string {
  return missed >= MISSED_BADGE_CAP ? `${MISSED_BADGE_CAP - 1}+` : String(missed);
}

/** What the badge shows: '!' while ringing, else the missed count ('99+' past the cap), else nothing. */
export function appBadge(ringing: boolean, missed: number): string | null {
  if (ringing) return '!';
  return missed > 0 ? badgeText(missed) : null;
}
