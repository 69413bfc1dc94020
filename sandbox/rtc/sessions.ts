/**
 * Client SDK sessions: one per socket.io connection, authenticated by the JWT in the query.
 *
 * A session belongs to a user of an application; users are created on first sight, the way
 * a backend would have created them through the Users API beforehand.
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
}

/** How long a dropped session can be resumed (the SDK retries 5 times, 5 s apart). */
const RESUME_WINDOW_MS = 60_000;

/** Keeps sessions and users, and pushes events to sockets. */
export class SessionRegistry {
  private readonly sessions = new Map<string, RtcSession>();
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

  /** Sends one event to one session (dropped silently when its socket is gone). */
  push(session: RtcSession, type: string, payload: Record<string, unknown>): void {
    session.socket?.emit(type, payload);
  }

  /** Wires the socket.io server: authenticate, create or resume the session, announce it. */
  attach(io: Server): void {
    io.on('connection', (socket) => {
      const query = socket.handshake.query;
      const token = typeof query.token === 'string' ? query.token : null;
      const check = verifyToken(this.store, token);
      if (!check.ok) {
        this.log.info(`session refused: ${check.reason} token`);
        const event = check.reason === 'expired' ? 'system:error:expired-token' : 'system:error:invalid-token';
        socket.emit(event, { body: {} });
        setTimeout(() => socket.disconnect(true), 100);
        return;
      }
      const userName = check.claims.sub;
      if (!userName) {
        socket.emit('system:error:invalid-token', { body: {} });
        setTimeout(() => socket.disconnect(true), 100);
        return;
      }
      const requested = typeof query.session_id === 'string' ? this.sessions.get(query.session_id) : undefined;
      const resumable =
        requested && requested.applicationId === check.applicationId && requested.user.name === userName ? requested : undefined;
      const session: RtcSession = resumable ?? {
        id: randomUUID(),
        applicationId: check.applicationId,
        user: this.user(check.applicationId, userName),
        socket: null,
        disconnectedAt: null,
      };
      session.socket = socket;
      session.disconnectedAt = null;
      this.sessions.set(session.id, session);
      const account = this.store.account;
      socket.emit('session:success', {
        body: { id: session.id, user_id: session.user.id, name: session.user.name, api_key: account.api_key },
      });
      this.log.info(`session ${resumable ? 'resumed' : 'created'} for ${userName} (${session.id})`);
      socket.on('session:logout', () => {
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

  /** Forgets sessions whose socket has been gone longer than the resume window. */
  private reap(): void {
    const now = Date.now();
    for (const s of this.sessions.values()) {
      if (s.socket === null && s.disconnectedAt !== null && now - s.disconnectedAt > RESUME_WINDOW_MS) this.forget(s);
    }
  }

  private forget(session: RtcSession): void {
    if (!this.sessions.delete(session.id)) return;
    this.onSessionGone?.(session);
  }

  close(): void {
    clearInterval(this.reaper);
  }
}
