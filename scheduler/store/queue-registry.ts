// Job queues in Redis (one hash: name -> definition JSON). The config's queues are created when absent at
// start; after that Redis is the truth, changed over the API. Every process keeps a copy for the hot paths
// (queue settings per cycle), refreshed on each change it makes and by polling (the leader, every second).
import type { Redis } from 'ioredis';
import type { QueueCatalog, QueuePatch } from '../../api/queue-catalog.ts';
import { type QueueDefinition, QueueSchema } from '../config.ts';
import { DEFAULT_QUEUE_SETTINGS, type QueueSettings } from '../queue-settings.ts';
import type { JobQueues } from './job-queues.ts';
import type { Keys } from './keys.ts';
import { runScript } from './run-script.ts';

/** Writes the new definition only if the stored one is still what the caller read. */
const COMPARE_AND_SET = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1`;

export class QueueRegistry implements QueueCatalog {
  private cache = new Map<string, QueueDefinition>();
  private raw = new Map<string, string>();
  private readonly listeners: Array<() => void> = [];

  private readonly redis: Redis;
  private readonly keys: Keys;
  /** The BullMQ queues; every queue the registry learns of gets its lanes here. */
  private readonly queues: JobQueues;
  private readonly environments: readonly string[];

  constructor(redis: Redis, keys: Keys, queues: JobQueues, environments: readonly string[]) {
    this.redis = redis;
    this.keys = keys;
    this.queues = queues;
    this.environments = environments;
  }

  /**
   * Creates the configured queues that Redis does not have yet and loads all. Returns the names whose
   * stored definition differs from the config (the stored one applies: it was changed over the API).
   */
  async seed(configured: readonly QueueDefinition[]): Promise<string[]> {
    const pipeline = this.redis.pipeline();
    for (const queue of configured)
      pipeline.hsetnx(this.keys.queueDefinitions, queue.name, JSON.stringify(queue));
    await pipeline.exec();
    await this.refresh();
    return configured
      .filter((q) => JSON.stringify(this.cache.get(q.name)) !== JSON.stringify(QueueSchema.parse(q)))
      .map((q) => q.name);
  }

  /** Reloads every definition; true (and listeners told) when something changed. */
  async refresh(): Promise<boolean> {
    const stored = await this.redis.hgetall(this.keys.queueDefinitions);
    const names = Object.keys(stored);
    const changed =
      names.length !== this.raw.size || names.some((name) => this.raw.get(name) !== stored[name]);
    if (!changed) return false;
    const cache = new Map<string, QueueDefinition>();
    for (const name of names.sort()) {
      const parsed = parseDefinition(stored[name]!);
      if (!parsed) continue; // not ours or damaged: the queue is left out rather than guessed
      cache.set(name, parsed);
      this.queues.add(name);
    }
    this.cache = cache;
    this.raw = new Map(Object.entries(stored));
    for (const listener of this.listeners) listener();
    return true;
  }

  /** Called after each refresh that changed something (a queue created or changed). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** The scheduling settings from the local copy (no Redis round trip: the loop asks every cycle). */
  settings(queue: string): QueueSettings {
    return this.cache.get(queue) ?? DEFAULT_QUEUE_SETTINGS;
  }

  /** Queue names from the local copy. */
  names(): string[] {
    return [...this.cache.keys()];
  }

  async list(): Promise<QueueDefinition[]> {
    await this.refresh();
    return [...this.cache.values()];
  }

  /** Read from Redis, so another process's change is seen at once (submissions check the state). */
  async get(name: string): Promise<QueueDefinition | undefined> {
    const raw = await this.redis.hget(this.keys.queueDefinitions, name);
    const parsed = raw === null ? undefined : parseDefinition(raw);
    if (parsed) this.queues.add(name);
    return parsed;
  }

  async create(queue: QueueDefinition): Promise<boolean> {
    const created = await this.redis.hsetnx(this.keys.queueDefinitions, queue.name, JSON.stringify(queue));
    await this.refresh();
    return created === 1;
  }

  async update(name: string, patch: QueuePatch): Promise<QueueDefinition | undefined> {
    for (;;) {
      const raw = await this.redis.hget(this.keys.queueDefinitions, name);
      if (raw === null) return undefined;
      const next = applyPatch(parseDefinition(raw) ?? QueueSchema.parse({ name }), patch);
      const written = await runScript(
        this.redis,
        COMPARE_AND_SET,
        [this.keys.queueDefinitions],
        [name, raw, JSON.stringify(next)],
      );
      if (written === 1) {
        await this.refresh();
        return next;
      }
      // Changed by someone else between the read and the write: apply the patch to theirs.
    }
  }

  computeEnvironmentNames(): string[] {
    return [...this.environments];
  }

  /** Polls for changes made by other processes; returns a stop function. */
  watch(intervalMs: number, onError: (error: Error) => void): () => void {
    const timer = setInterval(() => void this.refresh().catch(onError), intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}

function parseDefinition(raw: string): QueueDefinition | undefined {
  try {
    const parsed = QueueSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function applyPatch(current: QueueDefinition, patch: QueuePatch): QueueDefinition {
  const next: Record<string, unknown> = { ...current };
  for (const [field, value] of Object.entries(patch)) {
    if (value === null) delete next[field];
    else if (value !== undefined) next[field] = value;
  }
  return next as QueueDefinition;
}
