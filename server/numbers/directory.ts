/**
 * The numbers' flows, held in memory for the answer webhook.
 *
 * The answer_url must reply within Vonage's socket timeout, so a lookup is a Map read. The
 * cache is loaded once at start and changed only through {@link NumberDirectory.put} and
 * {@link NumberDirectory.delete}, which write the database first: memory never holds what
 * the database does not.
 */
import type { NumberConfigRepository } from '../storage/flow-types';
import { numberSettings, type NumberConfig, type NumberSettings } from './schema';

/** Where the directory reports rows it cannot understand; a pino logger fits. */
export interface DirectoryLog {
  warn(object: object, message: string): void;
}

/**
 * Settings stored as JSON, read back through their schema; undefined when the row no longer
 * validates (edited by hand, or written by a newer version).
 */
export function readStoredSettings<T>(schema: { safeParse(data: unknown): { success: true; data: T } | { success: false } }, text: string): T | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Replace a directory's cache with a fresh read (another instance changed the configuration).
 * A read that a local write overtook (`writes()` moved) is read again, so an instance never
 * loses its own change to an older read.
 */
export async function reloadCache<V>(cache: Map<string, V>, writes: () => number, read: () => Promise<Map<string, V>>): Promise<void> {
  for (;;) {
    const before = writes();
    const fresh = await read();
    if (writes() !== before) continue;
    cache.clear();
    for (const [key, value] of fresh) cache.set(key, value);
    return;
  }
}

/** Every configured number, cached. */
export class NumberDirectory {
  private readonly byNumber = new Map<string, NumberConfig>();

  private constructor(
    private readonly repository: NumberConfigRepository,
    private readonly now: () => Date,
  ) {}

  /** Called after every write, so other instances can be told to reload (see `server/flows/index.ts`). */
  onWrite: () => Promise<void> = async () => undefined;

  /** Local writes so far: a reload whose read began before one must not undo it. */
  private writes = 0;

  /** Read every row again (see {@link reloadCache}). */
  async reload(log?: DirectoryLog): Promise<void> {
    await reloadCache(this.byNumber, () => this.writes, async () => (await NumberDirectory.load(this.repository, this.now, log)).byNumber);
  }

  /**
   * Load every stored number.
   *
   * A row that no longer validates (edited by hand, or from a newer version) is skipped and
   * reported rather than failing the start: its number answers as unconfigured.
   */
  static async load(repository: NumberConfigRepository, now: () => Date, log?: DirectoryLog): Promise<NumberDirectory> {
    const directory = new NumberDirectory(repository, now);
    for (const row of await repository.list()) {
      const settings = readStoredSettings(numberSettings, row.settings);
      if (!settings) {
        log?.warn({ number: row.number }, 'stored number configuration is invalid; the number is treated as unconfigured');
        continue;
      }
      directory.byNumber.set(row.number, { number: row.number, settings, updated_at: row.updated_at });
    }
    return directory;
  }

  /** The configuration of a number (E.164 digits, a leading `+` is ignored), or undefined. */
  get(number: string): NumberConfig | undefined {
    return this.byNumber.get(number.replace(/^\+/, ''));
  }

  /** Every configured number, by number. */
  list(): NumberConfig[] {
    return [...this.byNumber.values()].sort((a, b) => a.number.localeCompare(b.number));
  }

  /** Numbers whose flow uses a queue (directly), for refusing to delete a queue in use. */
  usingQueue(queue: string): string[] {
    const key = queue.toLowerCase();
    return this.list()
      .filter((c) => c.settings.flow === 'queue' && c.settings.queue.toLowerCase() === key)
      .map((c) => c.number);
  }

  /** Store a validated configuration, then cache it. */
  async put(number: string, settings: NumberSettings): Promise<NumberConfig> {
    const config: NumberConfig = { number, settings, updated_at: this.now().toISOString() };
    await this.repository.put({ number, flow: settings.flow, settings: JSON.stringify(settings), updated_at: config.updated_at });
    this.byNumber.set(number, config);
    this.writes += 1;
    await this.onWrite();
    return config;
  }

  /** Remove a number's configuration; false when there was none. */
  async delete(number: string): Promise<boolean> {
    const removed = await this.repository.delete(number);
    this.byNumber.delete(number);
    this.writes += 1;
    await this.onWrite();
    return removed;
  }
}
