/**
 * The voicemail inbox: the messages of the agent's queues and the shared mailbox (the backend
 * decides which), played in the app, marked handled (by whom, when — kept in the database, so
 * colleagues see it), and called back. The open inbox reads the list again every
 * {@link VOICEMAIL_POLL_MS} while shown and when the agent comes back to the window
 * (`read-again.ts`): a message left meanwhile, or one a colleague handled, shows without Refresh.
 *
 * The audio comes through the bridge (main fetches it with the stored credential; the web page
 * with its session cookie) and plays from a blob URL, which the strict CSP's `media-src blob:`
 * allows; no URL with a credential ever reaches the page.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { VoicemailItem } from '../../../common/agent-desk';
import type { Bridge } from '../bridge';
import { formatCaller, formatDuration } from './format';
import { useReadOrder, useReadWhileShown } from './read-again';
import { callBackNumber, errorText, formatWhen } from './RecentCalls';

/** How often the open inbox reads the list again while it is shown. */
export const VOICEMAIL_POLL_MS = 15_000;

/** A blob URL for base64 audio. */
function blobUrl(contentType: string, base64: string): string {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return URL.createObjectURL(new Blob([bytes], { type: contentType }));
}

/** The words announced when background reads bring `count` new messages ('' for none). */
export function newMessagesText(count: number): string {
  return count === 0 ? '' : count === 1 ? '1 new voicemail' : `${count} new voicemails`;
}

/** The inbox screen. */
export function VoicemailInbox({
  bridge,
  canCall,
  onCallBack,
}: {
  bridge: Bridge;
  canCall: boolean;
  onCallBack: (number: string) => Promise<{ ok: true } | { ok: false; message: string }>;
}) {
  const [items, setItems] = useState<VoicemailItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [playing, setPlaying] = useState<{ id: string; url: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  /** What a background read brought, for screen readers ("1 new voicemail"); empty otherwise. */
  const [news, setNews] = useState('');
  const heading = useRef<HTMLHeadingElement>(null);
  const audio = useRef<HTMLAudioElement>(null);

  const order = useReadOrder(items);

  /**
   * Reads the list. `background` (the poll, the window shown again): no error is cleared, and a
   * failure stays quiet once a list is shown (it is still right up to then; the next read tries again).
   */
  const load: (background?: boolean) => Promise<void> = useCallback(
    async (background = false) => {
      if (!background) setError(null);
      try {
        const read = await order.read(() => bridge.desk({ action: 'voicemails' }), () => void load(true));
        if (read === undefined) return;
        // Only what arrived while the agent looked (not the first read, not a Refresh).
        const before = order.shown();
        if (background && before) setNews(newMessagesText(read.filter((v) => !before.some((old) => old.id === v.id)).length));
        setItems(read);
      } catch (e) {
        if (!background || order.shown() === null) setError(errorText(e, 'Could not load the voicemail.'));
      }
    },
    [bridge, order],
  );

  useEffect(() => {
    void load();
    heading.current?.focus();
  }, [load]);
  const readAgain = useCallback(() => void load(true), [load]);
  useReadWhileShown(readAgain, VOICEMAIL_POLL_MS);

  // One blob URL at a time, released when replaced or when the inbox closes.
  useEffect(() => () => (playing ? URL.revokeObjectURL(playing.url) : undefined), [playing]);
  useEffect(() => {
    if (playing) void audio.current?.play().catch(() => undefined);
  }, [playing]);

  const play = async (id: string) => {
    setBusy(id);
    setError(null);
    try {
      const recording = await bridge.getVoicemailAudio(id);
      setPlaying({ id, url: blobUrl(recording.contentType, recording.base64) });
    } catch (e) {
      setError(errorText(e, 'Could not play the voicemail.'));
    } finally {
      setBusy(null);
    }
  };

  const mark = async (id: string, handled: boolean) => {
    setBusy(id);
    setError(null);
    try {
      const updated = await bridge.desk({ action: 'handled', id, handled });
      order.edited();
      setItems((current) => current?.map((v) => (v.id === id ? updated : v)) ?? null);
    } catch (e) {
      setError(errorText(e, 'Could not update the voicemail.'));
    } finally {
      setBusy(null);
    }
  };

  const open = items?.filter((v) => v.handled_by === null).length ?? 0;
  return (
    <section className="card desk-view" data-testid="voicemail-inbox" aria-labelledby="voicemail-title">
      <div className="desk-head">
        <h2 id="voicemail-title" className="panel-title" tabIndex={-1} ref={heading}>
          Voicemail{items && items.length > 0 ? ` (${open} to handle)` : ''}
        </h2>
        <button type="button" className="small secondary" data-testid="voicemail-refresh" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      <div role="alert" className="call-error">
        {error && <span data-testid="voicemail-error">{error}</span>}
      </div>
      {/* Present from the start, so that a screen reader announces what appears in it. */}
      <p role="status" className="visually-hidden" data-testid="voicemail-news">
        {news}
      </p>
      {playing && (
        <audio ref={audio} className="voicemail-player" data-testid="voicemail-audio" data-voicemail={playing.id} src={playing.url} controls aria-label="Voicemail player" />
      )}
      {items === null ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="muted" data-testid="voicemail-empty">
          No voicemail.
        </p>
      ) : (
        <ul className="desk-list">
          {items.map((v) => {
            const number = v.caller ? callBackNumber({ direction: 'inbound', from: v.caller, to: null }) : null;
            const who = v.caller ? formatCaller(v.caller) : 'Unknown caller';
            return (
              <li key={v.id} className={`desk-item${v.handled_by ? ' handled' : ''}`} data-testid="voicemail-item" data-voicemail={v.id} data-handled={v.handled_by !== null}>
                <div className="desk-item-main">
                  <span className="caller-small">{who}</span>
                  <span className="muted desk-meta">
                    <time dateTime={v.created_at}>{formatWhen(v.created_at)}</time>
                    {v.duration_s !== null && <> · {formatDuration(v.duration_s)}</>}
                    {v.queue && <> · {v.queue} queue</>}
                  </span>
                  <span className="desk-meta" data-testid="voicemail-handled">
                    {v.handled_by && v.handled_at ? `Handled by ${v.handled_by}, ${formatWhen(v.handled_at)}` : 'Not handled yet'}
                  </span>
                </div>
                <div className="desk-actions">
                  <button type="button" className="small secondary" data-testid="voicemail-play" disabled={busy === v.id} onClick={() => void play(v.id)}>
                    Play<span className="visually-hidden"> the message from {who}</span>
                  </button>
                  <button type="button" className="small secondary" data-testid="voicemail-mark" disabled={busy === v.id} onClick={() => void mark(v.id, v.handled_by === null)}>
                    {v.handled_by ? 'Mark not handled' : 'Mark handled'}
                    <span className="visually-hidden"> the message from {who}</span>
                  </button>
                  {number && (
                    <button type="button" className="small secondary" data-testid="voicemail-callback" disabled={!canCall} onClick={() => void onCallBack(number).then((o) => setError(o.ok ? null : o.message))}>
                      Call back<span className="visually-hidden"> {who}</span>
                    </button>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
