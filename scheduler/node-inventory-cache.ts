// An API process without an executor (role api) learns the nodes from what the scheduler leader
// publishes (SchedulerService.publishNodes), re-read every few seconds so submits never wait on Redis.
import type { NodeState } from './core/types.ts';
import type { JobStore } from './store/job-store.ts';

export class NodeInventoryCache {
  private readonly store: JobStore;
  private readonly refreshMs: number;
  private current?: NodeState[];
  private timer?: NodeJS.Timeout;

  constructor(store: JobStore, options: { refreshMs?: number } = {}) {
    this.store = store;
    this.refreshMs = options.refreshMs ?? 5000;
  }

  /** Undefined until a leader has published (the API then leaves fit checks to the scheduler). */
  nodes(): NodeState[] | undefined {
    return this.current;
  }

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async refresh(): Promise<void> {
    // A failed read keeps the last known nodes; readiness reports Redis trouble separately.
    this.current = (await this.store.loadNodeInventory().catch(() => undefined)) ?? this.current;
  }
}
