/**
 * Client SDK sessions: one per SDK login, authenticated by the JWT in the socket's query.
 *
 * A session belongs to a user of an application; users are created on first sight, the way
 * a backend would have created them through the Users API beforehand. A session outlives its
 * socket for a while: the SDK reconnects with `session_id` after a network drop and the same
 * session (and its calls) carries on; events meant for it meanwhile are kept and delivered
 * when it is back. A session ends when the SDK logs out or is not resumed in time; a token
 * that expires without a `refreshSession` disconnects it (the SDK reports `EXPIRED_TOKEN`).
 */
import { randomUUID } from 'node:crypto';
import type { Server, Socket } from 'socket.io';
import type { SandboxStore } from '../state/store';
import { verifyToken } from './tokens';
import type { Logger } from '../log';

/** A user of an application, as Conversation API knows it. */
export interface RtcUser {
  id: string;
  name: string;
}

/** One logged-in SDK instance. */
export interface RtcSession {
  id: string;
  applicationId: string;
  user: RtcUser;
  socket: Socket | null;
  /** When the socket dropped; a session may be resumed for a while with `session_id`. */
  disconnectedAt: number | null;
  /** When the session's token expires (ms since the epoch), null for a token without `exp`. */
  expiresAt: number | null;
}

/** How long a dropped session can be resumed (the SDK retries 5 times, 5 s apart). */
const RESUME_WINDOW_MS = 60_000;
/** Events kept for a dropped session at most (the oldest go first). */
const MAX_PENDING_EVENTS = 500;
/** setTimeout's longest delay; a later expiry is re-armed when this one fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Per-session state the registry keeps to itself. */
interface SessionState {
  pending: Array<{ type: string; payload: Record<string, unknown> }>;
  expiryTimer: NodeJS.Timeout | null;
}

/** Keeps sessions and users, and pushes events to sockets. */
export class SessionRegistry {
  private readonly sessions = new Map<string, RtcSession>();
  private readonly state = new WeakMap<RtcSession, SessionState>();
  private readonly users = new Map<string, RtcUser>();
  private reaper: NodeJS.Timeout;
  /** Called when a session is gone for good (logged out, or not resumed in time). */
  onSessionGone: ((session: RtcSession) => void) | null = null;

  constructor(private readonly store: SandboxStore, private readonly log: Logger) {
    this.reaper = setInterval(() => this.reap(), 10_000);
    this.reaper.unref();
  }

  /** Gets or creates the user of that name in that application. */
  user(applicationId: string, name: string): RtcUser {
    const key = `${applicationId}/${name}`;
    let user = this.users.get(key);
    if (!user) {
      user = { id: `USR-${randomUUID()}`, name };
      this.users.set(key, user);
    }
    return user;
  }

  /** A known user of an application by id or name (without creating one). */
  findUser(applicationId: string, idOrName: string): RtcUser | undefined {
    const byName = this.users.get(`${applicationId}/${idOrName}`);
    if (byName) return byName;
    for (const [key, user] of this.users) {
      if (user.id === idOrName && key.startsWith(`${applicationId}/`)) return user;
    }
    return undefined;
  }

  get(id: string): RtcSession | undefined {
    return this.sessions.get(id);
  }

  /** Live sessions of a user, newest last. */
  sessionsOf(applicationId: string, userName: string): RtcSession[] {
    return [...this.sessions.values()].filter(
      (s) => s.applicationId === applicationId && s.user.name === userName && s.socket !== null,
    );
  }

  count(): number {
    return this.sessions.size;
  }

  /** Sessions whose socket is connected now. */
  connectedCount(): number {
    let n = 0;
    for (const session of this.sessions.values()) if (session.socket) n++;
    return n;
  }

  /**
   * Sends one event to one session. While its socket is down (the SDK reconnecting) the
   * event waits and goes out once the session is resumed; a session gone for good drops it.
   */
  push(session: RtcSession, type: string, payload: Record<string, unknown>): void {
    if (session.socket) {
      session.socket.emit(type, payload);
      return;
    }
    const state = this.state.get(session);
    if (!state || !this.sessions.has(session.id)) return;
    state.pending.push({ type, payload });
    if (state.pending.length > MAX_PENDING_EVENTS) state.pending.shift();
  }

  /**
   * `refreshSession`: the session now lives on the new token's expiry. The caller has
   * verified the token and that it names the session's user and application.
   */
  refresh(session: RtcSession, expSeconds: number | undefined): void {
    session.expiresAt = typeof expSeconds === 'number' ? expSeconds * 1000 : null;
    this.armExpiry(session);
  }

  /** Wires the socket.io server: authenticate, create or resume the session, announce it. */
  attach(io: Server): void {
    io.on('connection', (socket) => {
      const query = socket.handshake.query;
      const token = typeof query.token === 'string' ? query.token : null;
      const check = verifyToken(this.store, token);
      if (!check.ok || !check.claims.sub) {
        const reason = check.ok ? 'invalid' : check.reason;
        this.log.info(`session refused: ${check.ok ? 'the token names no user (sub)' : check.detail}`);
        socket.emit(reason === 'expired' ? 'system:error:expired-token' : 'system:error:invalid-token', { body: {} });
        setTimeout(() => socket.disconnect(true), 100);
        return;
      }
      const userName = check.claims.sub;
      const requested = typeof query.session_id === 'string' ? this.sessions.get(query.session_id) : undefined;
      const resumable =
        requested && requested.applicationId === check.applicationId && requested.user.name === userName ? requested : undefined;
      const session: RtcSession = resumable ?? {
        id: randomUUID(),
        applicationId: check.applicationId,
        user: this.user(check.applicationId, userName),
        socket: null,
        disconnectedAt: null,
        expiresAt: null,
      };
      const previous = session.socket;
      session.socket = socket;
      session.disconnectedAt = null;
      session.expiresAt = typeof check.claims.exp === 'number' ? check.claims.exp * 1000 : null;
      this.sessions.set(session.id, session);
      const state = this.state.get(session) ?? { pending: [], expiryTimer: null };
      this.state.set(session, state);
      this.armExpiry(session);
      // One socket per session: a second SDK claiming the same session takes it over.
      if (previous && previous !== socket) previous.disconnect(true);
      socket.emit('session:success', {
        body: { id: session.id, user_id: session.user.id, name: session.user.name, api_key: this.store.account.api_key },
      });
      for (const event of state.pending.splice(0)) socket.emit(event.type, event.payload);
      this.log.info(`session ${resumable ? 'resumed' : 'created'} for ${userName} (${session.id})`);
      // The SDK emits `session:logout` and disconnects at once; socket.io would drop an event
      // handler that runs after the disconnect, so logout is handled as the packet arrives.
      socket.use(([event], next) => {
        if (event !== 'session:logout') return next();
        this.forget(session);
        socket.emit('session:logged-out', { body: {} });
        socket.disconnect(true);
      });
      socket.on('disconnect', () => {
        if (session.socket === socket) {
          session.socket = null;
          session.disconnectedAt = Date.now();
        }
      });
    });
  }

  /** Schedules the session's end at its token's expiry. */
  private armExpiry(session: RtcSession): void {
    const state = this.state.get(session);
    if (!state) return;
    if (state.expiryTimer) clearTimeout(state.expiryTimer);
    state.expiryTimer = null;
    if (session.expiresAt === null) return;
    const delay = Math.min(Math.max(session.expiresAt - Date.now(), 0), MAX_TIMER_MS);
    state.expiryTimer = setTimeout(() => {
      state.expiryTimer = null;
      if (session.expiresAt !== null && session.expiresAt <= Date.now()) this.expire(session);
      else this.armExpiry(session);
    }, delay);
    state.expiryTimer.unref();
  }

  /**
   * The token ran out without a refresh: the server tells the SDK and disconnects it, which
   * the SDK reports as `sessionError(EXPIRED_TOKEN)`. Calls keep their media; the session
   * can still be resumed with a new token (`createSession(token, sessionId)`) within the
   * resume window, after which it ends like any dropped session.
   */
  private expire(session: RtcSession): void {
    this.log.info(`session ${session.id} of ${session.user.name}: token expired`);
    const socket = session.socket;
    if (!socket) return;
    socket.emit('system:error:expired-token', { body: {} });
    socket.disconnect(true);
  }

  /** Forgets sessions whose socket has been gone longer than the resume window. */
  private reap(): void {
    const now = Date.now();
    for (const s of this.sessions.values()) {
      if (s.socket === null && s.disconnectedAt !== null && now - s.disconnectedAt > RESUME_WINDOW_MS) this.forget(s);
    }
  }

  private forget(session: RtcSession): void {
    if (!this.sessions.delete(session.id)) return;
    const state = this.state.get(session);
    if (state?.expiryTimer) clearTimeout(state.expiryTimer);
    this.state.delete(session);
    this.onSessionGone?.(session);
  }

  close(): void {
    clearInterval(this.reaper);
    for (const session of this.sessions.values()) {
      const timer = this.state.get(session)?.expiryTimer;
      if (timer) clearTimeout(timer);
    }
  }
}
