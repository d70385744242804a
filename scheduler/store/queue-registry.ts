// Job queues in Redis (one hash: name -> definition JSON). The config's queues are created when absent at
// start; after that Redis is the truth, changed over the API. Every process keeps a copy for the hot paths
// (queue settings per cycle), refreshed on each change it makes and by polling (the leader, every second).
import type { Redis } from 'ioredis';
import type { QueueCatalog, QueuePatch } from '../../api/queue-catalog.ts';
import { normalizeQueue, type QueueDefinition, QueueSchema } from '../config.ts';
import type { QueueFairSharePolicy } from '../core/types.ts';
import { corePolicy, DEFAULT_QUEUE_SETTINGS, type QueueSettings } from '../queue-settings.ts';
import type { JobQueues } from './job-queues.ts';
import type { Keys } from './keys.ts';
import { StoredDefinitions } from './stored-definitions.ts';

export class QueueRegistry implements QueueCatalog {
  private readonly definitions: StoredDefinitions<QueueDefinition>;
  private readonly environments: () => readonly string[];

  /**
   * `queues`: the BullMQ queues; every queue the registry learns of gets its lanes there. `environments`:
   * the compute environments a queue may feed (a function when some are created at run time).
   */
  constructor(
    redis: Redis,
    keys: Keys,
    queues: JobQueues,
    environments: readonly string[] | (() => readonly string[]),
  ) {
    this.environments = typeof environments === 'function' ? environments : () => environments;
    this.definitions = new StoredDefinitions(
      redis,
      keys.queueDefinitions,
      (value) => {
        const parsed = QueueSchema.safeParse(value);
        // Stored before queues had an order: the one environment is the list.
        return parsed.success
          ? normalizeQueue(parsed.data, parsed.data.computeEnvironments !== undefined)
          : undefined;
      },
      (queue) => queues.add(queue.name),
    );
  }

  /**
   * Creates the configured queues that Redis does not have yet and loads all. Returns the names whose
   * stored definition differs from the config (the stored one applies: it was changed over the API).
   */
  seed(configured: readonly QueueDefinition[]): Promise<string[]> {
    return this.definitions.seed(configured);
  }

  /** Reloads every definition; true (and listeners told) when something changed. */
  refresh(): Promise<boolean> {
    return this.definitions.refresh();
  }

  /** Called after each refresh that changed something (a queue created or changed). */
  onChange(listener: () => void): void {
    this.definitions.onChange(listener);
  }

  /** The scheduling settings from the local copy (no Redis round trip: the loop asks every cycle). */
  settings(queue: string): QueueSettings {
    return this.definitions.cached(queue) ?? DEFAULT_QUEUE_SETTINGS;
  }

  /** The queues with their own fair-share policy, in the core's form, from the local copy. */
  fairSharePolicies(): Record<string, QueueFairSharePolicy> {
    const policies: Record<string, QueueFairSharePolicy> = {};
    for (const queue of this.definitions.cachedAll())
      if (queue.fairSharePolicy) policies[queue.name] = corePolicy(queue.fairSharePolicy);
    return policies;
  }

  /** Queue names from the local copy. */
  names(): string[] {
    return this.definitions.cachedAll().map((q) => q.name);
  }

  list(): Promise<QueueDefinition[]> {
    return this.definitions.list();
  }

  /** Read from Redis, so another process's change is seen at once (submissions check the state). */
  get(name: string): Promise<QueueDefinition | undefined> {
    return this.definitions.get(name);
  }

  create(queue: QueueDefinition): Promise<boolean> {
    return this.definitions.create(queue);
  }

  update(name: string, patch: QueuePatch): Promise<QueueDefinition | undefined> {
    return this.definitions.update(name, patch);
  }

  computeEnvironmentNames(): string[] {
    return [...this.environments()];
  }
}
