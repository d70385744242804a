// What the API needs of tenants' settings; the real one is scheduler/store/tenant-store.ts.

/** What an admin sets for a tenant; a tenant never set has neither (every queue, no limit). */
export interface TenantSettings {
  name: string;
  /** The queues its jobs may go to; undefined: every queue. */
  queues?: string[];
  /** At most this many of its jobs SUBMITTED, PENDING or RUNNABLE; undefined: no limit. */
  maxQueuedJobs?: number;
  /** Epoch ms of the last change; undefined for a tenant never set. */
  updatedAt?: number;
}

/** Its settings and its jobs waiting now (SUBMITTED, PENDING, RUNNABLE). */
export interface TenantView extends TenantSettings {
  queuedJobs: number;
}

export interface TenantRegistry {
  /** Its settings (the defaults for a tenant never set: every queue, no limit). */
  settings(name: string): Promise<TenantSettings>;
  /** Settings and queued count; a tenant never set but with queued jobs is shown with the defaults. */
  get(name: string): Promise<TenantView>;
  /** Every tenant that has settings or has had jobs since tenancy, by name. */
  list(): Promise<TenantView[]>;
  /** Replaces its settings (fields left out go back to the defaults). */
  put(settings: Omit<TenantSettings, 'updatedAt'>): Promise<TenantView>;
}

/** Whether `tenant`'s settings let its jobs go to `queue`. */
export function mayUseQueue(settings: TenantSettings, queue: string): boolean {
  return settings.queues === undefined || settings.queues.includes(queue);
}
