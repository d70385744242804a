// An in-memory QueueCatalog for API and CLI tests (the real one is scheduler/store/queue-registry.ts).
import type { QueueCatalog, QueuePatch, QueueView } from '../../api/queue-catalog.ts';
import { QueueSchema } from '../../scheduler/config.ts';

export class FakeQueueCatalog implements QueueCatalog {
  readonly queues = new Map<string, QueueView>();

  readonly environments: string[];

  constructor(names: string[] = ['default'], environments: string[] = ['local']) {
    this.environments = environments;
    for (const name of names) this.queues.set(name, QueueSchema.parse({ name }));
  }

  async list(): Promise<QueueView[]> {
    return [...this.queues.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<QueueView | undefined> {
    return this.queues.get(name);
  }

  async create(queue: QueueView): Promise<boolean> {
    if (this.queues.has(queue.name)) return false;
    this.queues.set(queue.name, queue);
    return true;
  }

  async update(name: string, patch: QueuePatch): Promise<QueueView | undefined> {
    const current = this.queues.get(name);
    if (!current) return undefined;
    const next: Record<string, unknown> = { ...current };
    for (const [field, value] of Object.entries(patch)) {
      if (value === null) delete next[field];
      else if (value !== undefined) next[field] = value;
    }
    this.queues.set(name, next as QueueView);
    return next as QueueView;
  }

  computeEnvironmentNames(): string[] {
    return this.environments;
  }
}
