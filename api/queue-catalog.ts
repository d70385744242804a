// What the API needs to manage job queues at run time; the real one is scheduler/store/queue-registry.ts.
import type { QueueDefinition } from '../scheduler/config.ts';
import { ApiError } from './errors.ts';

/** A job queue with all its settings (the config's `queues:` entry shape). */
export type QueueView = QueueDefinition;

/** Fields a PATCH may change; `null` removes an optional limit. */
export type QueuePatch = Partial<
  Omit<QueueView, 'name' | 'maxRunnableSeconds' | 'maxConcurrentJobs' | 'fairSharePolicy'>
> & {
  maxRunnableSeconds?: number | null;
  maxConcurrentJobs?: number | null;
  fairSharePolicy?: QueueView['fairSharePolicy'] | null;
};

export interface QueueCatalog {
  /** Every job queue, by name. */
  list(): Promise<QueueView[]>;
  get(name: string): Promise<QueueView | undefined>;
  /** False when a queue of that name exists already (nothing is changed). */
  create(queue: QueueView): Promise<boolean>;
  /** The queue as changed; undefined for an unknown name. */
  update(name: string, patch: QueuePatch): Promise<QueueView | undefined>;
  /** Names of the configured compute environments a queue may feed. */
  computeEnvironmentNames(): string[];
}

/** A catalog without queues that refuses changes: for an app wired without a queue store. */
export function readOnlyQueueCatalog(environments: string[]): QueueCatalog {
  const refuse = async (): Promise<never> => {
    throw new ApiError(501, 'Not implemented', 'job queues cannot be managed here: no queue store is wired');
  };
  return {
    list: async () => [],
    get: async () => undefined,
    create: refuse,
    update: refuse,
    computeEnvironmentNames: () => environments,
  };
}
