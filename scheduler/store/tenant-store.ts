// Tenants' settings in Redis (one hash: name -> JSON), read on every submission so a change made through
// any API process applies at once; and the queued-job counts the job scripts keep (tenant-lua.ts).
import type { TenantRegistry, TenantSettings, TenantView } from '../../api/tenant-registry.ts';
import { PrefixedStore } from './prefixed-store.ts';

export class TenantStore extends PrefixedStore implements TenantRegistry {
  async settings(name: string): Promise<TenantSettings> {
    const raw = await this.redis.hget(this.keys.tenants, name);
    return raw === null ? { name } : parseSettings(name, raw);
  }

  async get(name: string): Promise<TenantView> {
    const [raw, queued] = await this.redis
      .multi()
      .hget(this.keys.tenants, name)
      .hget(this.keys.tenantQueued, name)
      .exec()
      .then((replies) => (replies ?? []).map(([, value]) => value as string | null));
    const settings = raw ? parseSettings(name, raw) : { name };
    return { ...settings, queuedJobs: Number(queued ?? 0) };
  }

  async list(): Promise<TenantView[]> {
    const [stored, queued] = await Promise.all([
      this.redis.hgetall(this.keys.tenants),
      this.redis.hgetall(this.keys.tenantQueued),
    ]);
    const names = [...new Set([...Object.keys(stored), ...Object.keys(queued)])].sort();
    return names.map((name) => {
      const raw = stored[name];
      return { ...(raw ? parseSettings(name, raw) : { name }), queuedJobs: Number(queued[name] ?? 0) };
    });
  }

  async put(settings: Omit<TenantSettings, 'updatedAt'>): Promise<TenantView> {
    const stored: TenantSettings = {
      name: settings.name,
      ...(settings.queues !== undefined ? { queues: [...settings.queues] } : {}),
      ...(settings.maxQueuedJobs !== undefined ? { maxQueuedJobs: settings.maxQueuedJobs } : {}),
      updatedAt: this.now(),
    };
    await this.redis.hset(this.keys.tenants, settings.name, JSON.stringify(stored));
    return this.get(settings.name);
  }
}

/**
 * A garbled entry (only a hand edit can make one) reads as "no queue allowed": failing closed, visibly in
 * GET /v1/admin/tenants, rather than silently lifting the tenant's restrictions.
 */
function parseSettings(name: string, raw: string): TenantSettings {
  try {
    const value = JSON.parse(raw) as Partial<TenantSettings>;
    return {
      name,
      ...(Array.isArray(value.queues) ? { queues: value.queues.filter((q) => typeof q === 'string') } : {}),
      ...(Number.isInteger(value.maxQueuedJobs) ? { maxQueuedJobs: value.maxQueuedJobs } : {}),
      ...(typeof value.updatedAt === 'number' ? { updatedAt: value.updatedAt } : {}),
    };
  } catch {
    return { name, queues: [] };
  }
}
