/**
 * Sleep, lock and networks: an agent whose PC sleeps, locks or loses its network is not
 * offered calls, and is back as before once it wakes, unlocks or reconnects.
 *
 * Suspend, lock and offline (any of them) make the agent Away with reason "system" (plain
 * away where an older backend refuses that reason) — when
 * they were available and the backend can still be reached — and stop the status stream
 * while offline (a suspended PC's stream survives a short sleep, and its watchdog reopens it
 * after a long one). When the last of them ends, the status stream is opened again if it was
 * stopped, the renderer rebuilds its voice session, and an agent who
 * was available is made available again (unless they chose otherwise meanwhile: only an
 * agent the backend shows away or offline is changed).
 *
 * Electron emits lock-screen / unlock-screen on macOS and Windows only; `net.isOnline()` is
 * polled, because Electron has no online event in main.
 */
import type { AgentStatus } from '../common/backend-api';
import type { NetApi, PowerMonitorApi } from './electron-api';
import { createLogger, type Logger } from './log';

/** Why the agent is away from the desk as far as the app can tell. */
export type AbsenceCause = 'suspend' | 'lock' | 'offline';

/** What the watcher drives. */
export interface PowerWatcherDeps {
  powerMonitor: PowerMonitorApi;
  net: Pick<NetApi, 'isOnline'>;
  /** True while an agent is signed in. */
  signedIn(): boolean;
  /** The agent's status as the status stream last reported it. */
  lastStatus(): AgentStatus | null;
  /** Reads the agent's status at the backend. */
  getStatus(): Promise<AgentStatus>;
  /** Sets it (away carries reason "system", or none where an older backend refuses it). */
  setStatus(status: 'available' | 'away'): Promise<unknown>;
  stream: { start(): void; stop(): void };
  /** The renderer must rebuild its voice session (the SDK's socket did not survive); `after` is the cause that ended last. */
  rebuildVoice(after: AbsenceCause): void;
  /** How often `net.isOnline()` is read. */
  pollMs?: number;
  log?: Logger;
}

/** Watches power and network events; see the module comment. */
export class PowerWatcher {
  private readonly causes = new Set<AbsenceCause>();
  /** The status before the first cause, to restore when the last one ends. */
  private previous: AgentStatus | null = null;
  private streamStopped = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  private online = true;
  private readonly log: Logger;
  /** The change under way, so that events in quick succession apply in order. */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly deps: PowerWatcherDeps) {
    this.log = deps.log ?? createLogger('power');
  }

  /** Starts listening (once the app is ready). */
  start(): void {
    const { powerMonitor } = this.deps;
    powerMonitor.on('suspend', () => this.begin('suspend'));
    powerMonitor.on('resume', () => this.end('suspend'));
    powerMonitor.on('lock-screen', () => this.begin('lock'));
    powerMonitor.on('unlock-screen', () => this.end('lock'));
    this.online = this.deps.net.isOnline();
    if (!this.online) this.begin('offline');
    this.timer = setInterval(() => this.pollNetwork(), this.deps.pollMs ?? 5_000);
    this.timer.unref?.();
  }

  /** Stops polling (on quit). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** What keeps the agent away now. */
  absent(): AbsenceCause[] {
    return [...this.causes];
  }

  /** Resolves once every change begun so far is done (tests, quit). */
  settled(): Promise<void> {
    return this.chain;
  }

  /** Reads the network state now (the poll does this every few seconds). */
  pollNetwork(): void {
    const online = this.deps.net.isOnline();
    if (online === this.online) return;
    this.online = online;
    if (online) this.end('offline');
    else this.begin('offline');
  }

  private begin(cause: AbsenceCause): void {
    if (this.causes.has(cause)) return;
    const first = this.causes.size === 0;
    this.causes.add(cause);
    this.log.info('Away from the desk', { cause });
    this.enqueue(async () => {
      if (!this.deps.signedIn()) return;
      if (first) this.previous = this.deps.lastStatus();
      // Only offline stops the stream: a suspended PC's stream either survives or is found dead
      // by its watchdog (silent past two heartbeats) and reopened.
      if (cause === 'offline' && !this.streamStopped) {
        this.deps.stream.stop();
        this.streamStopped = true;
      }
      // Offline, the backend cannot be told: its presence grace period makes the agent offline.
      if (first && cause !== 'offline' && this.previous === 'available') {
        await this.deps.setStatus('away');
      }
    });
  }

  private end(cause: AbsenceCause): void {
    if (!this.causes.delete(cause) || this.causes.size > 0) return;
    this.log.info('Back at the desk', { after: cause });
    this.enqueue(async () => {
      const previous = this.previous;
      this.previous = null;
      const restart = this.streamStopped;
      this.streamStopped = false;
      if (!this.deps.signedIn()) return;
      if (restart) this.deps.stream.start();
      this.deps.rebuildVoice(cause);
      if (previous !== 'available') return;
      const now = await this.deps.getStatus();
      if (now === 'away' || now === 'offline') await this.deps.setStatus('available');
    });
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain.then(step).catch((error: unknown) => {
      this.log.warn('Could not update the agent status', { reason: error instanceof Error ? error.message : String(error) });
    });
  }
}
