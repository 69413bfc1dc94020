/**
 * Doubles for driving the call flows in unit tests: presence, the Voice API, the call
 * record, timers on a manual clock, and real directories over an in-memory SQLite database.
 */
import { CallContexts } from '../../../../server/flows/contexts';
import type { Ncco } from '../../../../server/flows/ncco';
import { CallFlows, type FlowEvent, type FlowTimers, type PresenceView, type VoicePort } from '../../../../server/flows/runtime';
import { FlowUrls } from '../../../../server/flows/urls';
import { NumberDirectory } from '../../../../server/numbers/directory';
import { numberSettings, type NumberSettingsInput } from '../../../../server/numbers/schema';
import { QueueDirectory } from '../../../../server/queues/directory';
import { queueSettings, type QueueSettingsInput } from '../../../../server/queues/schema';
import { createSqliteStorage, openDatabase } from '../../../../server/storage/sqlite';
import type { Storage } from '../../../../server/storage/types';
import type { CreateCallRequest, CreatedCall } from '../../../../server/vonage/voice-api';

export const PUBLIC_URL = 'http://127.0.0.1:3030';
export const MUSIC = `${PUBLIC_URL}/assets/hold-music.wav`;

/** Agents with a status and an idle time; available ones sorted longest idle first. */
export class FakePresence implements PresenceView {
  private readonly agents = new Map<string, { name: string; status: string; idleSince: string | null }>();
  private readonly listeners = new Set<() => void>();

  set(name: string, status: string, idleSince: string | null = status === 'available' ? '2026-03-02T08:00:00.000Z' : null): void {
    this.agents.set(name.toLowerCase(), { name, status, idleSince });
    for (const listener of [...this.listeners]) listener();
  }

  availableLongestIdle(exclude: readonly string[] = []) {
    const skip = new Set(exclude.map((e) => e.toLowerCase()));
    return [...this.agents.values()]
      .filter((a) => a.status === 'available' && !skip.has(a.name.toLowerCase()))
      .sort((a, b) => (a.idleSince ?? '').localeCompare(b.idleSince ?? '') || a.name.localeCompare(b.name));
  }

  list() {
    return [...this.agents.values()];
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
}

/** Records every Voice API request; `createCall` answers `agent-leg-N` unless told to fail. */
export class FakeVoice implements VoicePort {
  readonly created: CreateCallRequest[] = [];
  readonly transfers: Array<{ uuid: string; ncco: Ncco }> = [];
  readonly hangups: string[] = [];
  readonly talks: Array<{ uuid: string; text: string }> = [];
  failCreate = false;
  private next = 0;

  async createCall(request: CreateCallRequest): Promise<CreatedCall> {
    this.created.push(request);
    if (this.failCreate) throw new Error('platform says no');
    this.next += 1;
    return { uuid: `agent-leg-${this.next}`, status: 'started', direction: 'outbound', conversation_uuid: `CON-agent-${this.next}` };
  }
  async transfer(uuid: string, ncco: Ncco): Promise<void> {
    this.transfers.push({ uuid, ncco });
  }
  async hangup(uuid: string): Promise<void> {
    this.hangups.push(uuid);
  }
  async talk(uuid: string, text: string): Promise<void> {
    this.talks.push({ uuid, text });
  }
}

/** Timers on a manual clock. */
export class ManualClock implements FlowTimers {
  nowMs = Date.parse('2026-03-02T09:00:00.000Z');
  private readonly pending = new Map<number, { at: number; callback: () => void }>();
  private seq = 0;

  setTimeout(callback: () => void, ms: number): unknown {
    this.seq += 1;
    this.pending.set(this.seq, { at: this.nowMs + ms, callback });
    return this.seq;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** Move time forward, running every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.nowMs + ms;
    for (;;) {
      const due = [...this.pending.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.nowMs = Math.max(this.nowMs, due[1].at);
      due[1].callback();
    }
    this.nowMs = end;
  }
}

/** Everything a flows test needs, wired. */
export interface FlowRig {
  flows: CallFlows;
  presence: FakePresence;
  voice: FakeVoice;
  clock: ManualClock;
  storage: Storage;
  numbers: NumberDirectory;
  queues: QueueDirectory;
  contexts: CallContexts;
  records: Array<{ conversation: string; patch: Record<string, unknown> }>;
  /** Feed a leg status event. */
  event(event: Partial<FlowEvent> & { uuid: string; status: string }): void;
  /** Let pending promises (Voice API calls) settle. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Build flows over fakes, with these numbers and queues configured. */
export async function flowRig(config: { numbers?: Record<string, NumberSettingsInput>; queues?: Record<string, QueueSettingsInput> } = {}): Promise<FlowRig> {
  const storage = createSqliteStorage(openDatabase(':memory:'));
  const clock = new ManualClock();
  const now = () => new Date(clock.nowMs);
  const queues = await QueueDirectory.load(storage.queues, now);
  for (const [name, settings] of Object.entries(config.queues ?? {})) await queues.put(name, queueSettings.parse(settings));
  const numbers = await NumberDirectory.load(storage.numbers, now);
  for (const [number, settings] of Object.entries(config.numbers ?? {})) await numbers.put(number, numberSettings.parse(settings));
  const presence = new FakePresence();
  const voice = new FakeVoice();
  const records: FlowRig['records'] = [];
  const contexts = new CallContexts(() => clock.nowMs);
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const flows = new CallFlows({
    urls: new FlowUrls(PUBLIC_URL),
    contactNumber: '14155550199',
    numbers,
    queues,
    presence,
    voice,
    calls: {
      updateCallRecord: async (conversation, patch) => {
        records.push({ conversation, patch: { ...patch } });
        return undefined;
      },
    },
    contexts,
    log: silent,
    now: () => clock.nowMs,
    timers: clock,
  });
  return {
    flows,
    presence,
    voice,
    clock,
    storage,
    numbers,
    queues,
    contexts,
    records,
    event: (event) => flows.handleEvent({ conversation_uuid: null, from: null, to: null, ...event }),
    settle: () => new Promise((resolve) => setImmediate(resolve)),
    async close() {
      flows.close();
      await storage.close();
    },
  };
}
