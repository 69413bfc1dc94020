/**
 * A badge on the page's icon (the browser tab's favicon), as the title has one: a red dot with
 * the missed-call count, or "!" while a call rings. Drawn on a canvas into a data: URL (the
 * CSP allows `img-src data:`); the link says what it shows in `data-badge`, for tests.
 */
import { appBadge } from '../../../common/app-badge';

/** What the badge shows: the rule the desktop app's icon follows too (`common/app-badge.ts`). */
export const faviconBadge = appBadge;

const SIZE = 64;

/** Draws the app's icon (a phone-green disc) with the badge, or without one for null. */
function iconUrl(badge: string | null): string {
  const canvas = document.createElement('canvas');
  canvas.width = SIZE;
  canvas.height = SIZE;
  const g = canvas.getContext('2d');
  if (!g) return '';
  g.fillStyle = '#1f7a4d';
  g.beginPath();
  g.arc(SIZE / 2, SIZE / 2, SIZE / 2 - 2, 0, Math.PI * 2);
  g.fill();
  if (badge !== null) {
    g.fillStyle = '#c62828';
    g.beginPath();
    g.arc(SIZE - 20, 20, 20, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = '#ffffff';
    g.font = `bold ${badge.length > 2 ? 16 : 24}px sans-serif`;
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText(badge, SIZE - 20, 21);
  }
  return canvas.toDataURL('image/png');
}

/** Shows the badge on the page's icon (adds the icon link on first use). */
export function showFaviconBadge(doc: Document, badge: string | null): void {
  let link = doc.querySelector<HTMLLinkElement>('link[rel="icon"][data-switchboard]');
  if (!link) {
    link = doc.createElement('link');
    link.rel = 'icon';
    link.dataset.switchboard = '';
    doc.head.appendChild(link);
  } else if (link.dataset.badge === (badge ?? '')) return;
  const url = iconUrl(badge);
  if (url) link.href = url;
  link.dataset.badge = badge ?? '';
}
