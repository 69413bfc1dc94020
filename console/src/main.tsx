/**
 * The operator console: sign-in, then the wallboard, agents, voicemails, people and audit log pages, served by
 * the backend at `/console/`. Pages are paths under it (the backend answers any of them
 * with this page), so a reload or a bookmark keeps the page.
 */
import { StrictMode, Suspense, lazy, useEffect, useState, type MouseEvent } from 'react';
import { createRoot } from 'react-dom/client';
import type { ConsoleSessionView } from '../../common/console-api';
import { Agents } from './Agents';
import { api, useSession, whenSignedOut } from './api';
import { Audit } from './Audit';
import { CallLog } from './CallLog';
import { People } from './People';
import { SignIn } from './SignIn';
import { Voicemails } from './Voicemails';
import { Wallboard } from './Wallboard';
import './styles.css';

// The configuration pages carry the backend's zod schemas (and the phone number metadata);
// loaded on first visit so the wallboard's cold load stays small.
const Numbers = lazy(async () => ({ default: (await import('./Numbers')).Numbers }));
const Queues = lazy(async () => ({ default: (await import('./Queues')).Queues }));
const Lists = lazy(async () => ({ default: (await import('./Lists')).Lists }));
// Reports (with the chart library) load when first opened, so the wallboard's cold load does not carry them.
const Reports = lazy(async () => ({ default: (await import('./Reports')).Reports }));

const PAGES = [
  { path: 'wallboard', label: 'Wallboard' },
  { path: 'agents', label: 'Agents' },
  { path: 'voicemails', label: 'Voicemails' },
  { path: 'numbers', label: 'Numbers and flows' },
  { path: 'queues', label: 'Queues' },
  { path: 'lists', label: 'Reasons and dispositions' },
  { path: 'calls', label: 'Call log' },
  { path: 'reports', label: 'Reports' },
  { path: 'people', label: 'People' },
  { path: 'audit', label: 'Audit log' },
] as const;
type PagePath = (typeof PAGES)[number]['path'];

function pageFromLocation(): PagePath {
  const rest = location.pathname.replace(/^\/console\/?/, '').split('/')[0] ?? '';
  return PAGES.find((p) => p.path === rest)?.path ?? 'wallboard';
}

function App() {
  const [session, setSession] = useState<ConsoleSessionView | null | undefined>(undefined);
  const [page, setPage] = useState<PagePath>(pageFromLocation);

  useEffect(() => {
    whenSignedOut(() => setSession(null));
    api<ConsoleSessionView>('GET', '/api/console/session').then(setSession, () => setSession(null));
    const onPop = () => setPage(pageFromLocation());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  useSession(session ?? null);

  useEffect(() => {
    const label = PAGES.find((p) => p.path === page)?.label ?? '';
    document.title = session ? `${label} · Switchboard console` : 'Switchboard console';
  }, [page, session]);

  if (session === undefined) return <p className="muted center">Loading…</p>;
  if (session === null) return <SignIn onSignedIn={setSession} />;

  const go = (event: MouseEvent<HTMLAnchorElement>, path: PagePath) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    history.pushState(null, '', `/console/${path}`);
    setPage(path);
  };
  const signOut = async () => {
    await api('POST', '/api/console/logout').catch(() => undefined);
    setSession(null);
  };

  return (
    <>
      <header className="top">
        <span className="brand">Switchboard console</span>
        <nav aria-label="Console pages">
          {PAGES.map((p) => (
            <a key={p.path} href={`/console/${p.path}`} aria-current={page === p.path ? 'page' : undefined} onClick={(e) => go(e, p.path)}>
              {p.label}
            </a>
          ))}
        </nav>
        <span className="who" data-testid="who">
          {session.user.display_name} <span className="role">({session.user.role})</span>
        </span>
        <button type="button" className="secondary" onClick={() => void signOut()} data-testid="sign-out">
          Sign out
        </button>
      </header>
      <main className="page">
        <Suspense fallback={<p className="muted">Loading…</p>}>
          {page === 'numbers' ? <Numbers role={session.user.role} /> : page === 'queues' ? <Queues role={session.user.role} /> : page === 'lists' ? <Lists role={session.user.role} /> : page === 'reports' ? <Reports /> : null}
        </Suspense>
        {page === 'numbers' || page === 'queues' || page === 'lists' || page === 'reports' ? null : page === 'calls' ? <CallLog /> : page === 'wallboard' ? <Wallboard /> : page === 'agents' ? <Agents role={session.user.role} /> : page === 'voicemails' ? <Voicemails /> : page === 'people' ? <People role={session.user.role} me={session.user.name} /> : <Audit />}
      </main>
    </>
  );
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
