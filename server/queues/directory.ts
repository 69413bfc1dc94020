/**
 * The queues' settings, held in memory like the numbers (see `server/numbers/directory.ts`).
 */
import { readStoredSettings, reloadCache, type DirectoryLog } from '../numbers/directory';
import type { QueueConfigRepository } from '../storage/flow-types';
import { queueSettings, type QueueConfig, type QueueSettings } from './schema';

/** Every configured queue, cached; names compare without regard to case. */
export class QueueDirectory {
  private readonly byName = new Map<string, QueueConfig>();

  private constructor(
    private readonly repository: QueueConfigRepository,
    private readonly now: () => Date,
  ) {}

  /** Called after every write, so other instances can be told to reload (see `server/flows/index.ts`). */
  onWrite: () => Promise<void> = async () => undefined;

  /** Local writes so far: a reload whose read began before one must not undo it. */
  private writes = 0;

  /** Read every row again (see {@link reloadCache}). */
  async reload(log?: DirectoryLog): Promise<void> {
    await reloadCache(this.byName, () => this.writes, async () => (await QueueDirectory.load(this.repository, this.now, log)).byName);
  }

  /** Load every stored queue; an unreadable row is skipped and reported. */
  static async load(repository: QueueConfigRepository, now: () => Date, log?: DirectoryLog): Promise<QueueDirectory> {
    const directory = new QueueDirectory(repository, now);
    for (const row of await repository.list()) {
      const settings = readStoredSettings(queueSettings, row.settings);
      if (!settings) {
        log?.warn({ queue: row.name }, 'stored queue settings are invalid; the queue is treated as missing');
        continue;
      }
      directory.byName.set(row.name.toLowerCase(), { name: row.name, settings, updated_at: row.updated_at });
    }
    return directory;
  }

  /** A queue by name, or undefined. */
  get(name: string): QueueConfig | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** Every queue, by name. */
  list(): QueueConfig[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Store validated settings, then cache them. */
  async put(name: string, settings: QueueSettings): Promise<QueueConfig> {
    const config: QueueConfig = { name, settings, updated_at: this.now().toISOString() };
    await this.repository.put({ name, settings: JSON.stringify(settings), updated_at: config.updated_at });
    this.byName.set(name.toLowerCase(), config);
    this.writes += 1;
    await this.onWrite();
    return config;
  }

  /** Remove a queue; false when there was none. */
  async delete(name: string): Promise<boolean> {
    const removed = await this.repository.delete(name);
    this.byName.delete(name.toLowerCase());
    this.writes += 1;
    await this.onWrite();
    return removed;
  }
}
