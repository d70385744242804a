// Named definitions kept as JSON in one Redis hash (job queues, compute environment settings): seeded from
// the config when absent, changed by compare-and-set, with a local copy per process for hot paths.
import type { Redis } from 'ioredis';
import { runScript } from './run-script.ts';

/** Writes the new definition only if the stored one is still what the caller read. */
const COMPARE_AND_SET = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1`;

/** Fields to change; `null` removes an optional one. */
export type Patch<T> = { [K in keyof T]?: T[K] | null };

export class StoredDefinitions<T extends { name: string }> {
  private cache = new Map<string, T>();
  private raw = new Map<string, string>();
  private readonly listeners: Array<() => void> = [];
  private readonly redis: Redis;
  private readonly key: string;
  /** The stored JSON as a definition (defaults applied), or undefined when it is not one. */
  private readonly parse: (value: unknown) => T | undefined;
  /** Told of each definition loaded (a queue gets its BullMQ lanes). */
  private readonly onLoaded: (definition: T) => void;

  constructor(
    redis: Redis,
    key: string,
    parse: (value: unknown) => T | undefined,
    onLoaded: (definition: T) => void = () => {},
  ) {
    this.redis = redis;
    this.key = key;
    this.parse = parse;
    this.onLoaded = onLoaded;
  }

  /** Creates the configured ones Redis lacks and loads all; returns the names whose stored one differs. */
  async seed(configured: readonly T[]): Promise<string[]> {
    const pipeline = this.redis.pipeline();
    for (const item of configured) pipeline.hsetnx(this.key, item.name, JSON.stringify(item));
    await pipeline.exec();
    await this.refresh();
    return configured
      .filter((item) => JSON.stringify(this.cache.get(item.name)) !== JSON.stringify(this.parse(item)))
      .map((item) => item.name);
  }

  /** Reloads every definition; true (and listeners told) when something changed. */
  async refresh(): Promise<boolean> {
    const stored = await this.redis.hgetall(this.key);
    const names = Object.keys(stored);
    const changed =
      names.length !== this.raw.size || names.some((name) => this.raw.get(name) !== stored[name]);
    if (!changed) return false;
    const cache = new Map<string, T>();
    for (const name of names.sort()) {
      const parsed = this.parseRaw(stored[name]!);
      if (!parsed) continue; // not ours or damaged: left out rather than guessed
      cache.set(name, parsed);
      this.onLoaded(parsed);
    }
    this.cache = cache;
    this.raw = new Map(Object.entries(stored));
    for (const listener of this.listeners) listener();
    return true;
  }

  /** Called after each refresh that changed something. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** From the local copy (no Redis round trip). */
  cached(name: string): T | undefined {
    return this.cache.get(name);
  }

  /** Every definition from the local copy, by name. */
  cachedAll(): T[] {
    return [...this.cache.values()];
  }

  async list(): Promise<T[]> {
    await this.refresh();
    return this.cachedAll();
  }

  /** Read from Redis, so another process's change is seen at once. */
  async get(name: string): Promise<T | undefined> {
    const raw = await this.redis.hget(this.key, name);
    const parsed = raw === null ? undefined : this.parseRaw(raw);
    if (parsed) this.onLoaded(parsed);
    return parsed;
  }

  /** False when one of that name exists (nothing is changed). */
  async create(definition: T): Promise<boolean> {
    const created = await this.redis.hsetnx(this.key, definition.name, JSON.stringify(definition));
    await this.refresh();
    return created === 1;
  }

  /** The definition as changed; undefined for an unknown name. */
  async update(name: string, patch: Patch<Omit<T, 'name'>>): Promise<T | undefined> {
    for (;;) {
      const raw = await this.redis.hget(this.key, name);
      if (raw === null) return undefined;
      const current = this.parseRaw(raw) ?? this.parse({ name });
      if (!current) return undefined;
      const next = applyPatch(current, patch);
      const written = await runScript(
        this.redis,
        COMPARE_AND_SET,
        [this.key],
        [name, raw, JSON.stringify(next)],
      );
      if (written === 1) {
        await this.refresh();
        return next;
      }
      // Changed by someone else between the read and the write: apply the patch to theirs.
    }
  }

  private parseRaw(raw: string): T | undefined {
    try {
      return this.parse(JSON.parse(raw));
    } catch {
      return undefined;
    }
  }
}

function applyPatch<T>(current: T, patch: object): T {
  const next: Record<string, unknown> = { ...(current as object) };
  for (const [field, value] of Object.entries(patch)) {
    if (value === null) delete next[field];
    else if (value !== undefined) next[field] = value;
  }
  return next as T;
}
