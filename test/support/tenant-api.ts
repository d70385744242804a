// The REST API over a real Redis (job store, BullMQ queues "gpu" and "cpu", events, tenants' settings;
// job definitions in memory),
// with callers named per request as "role:tenant": each is a real bearer token of that role and tenant in
// the token store (made on first use), sent like any client's. No scheduler runs: submitted jobs stay
// RUNNABLE unless a test moves them through the store.
import type { Writable } from 'node:stream';
import type { ExecutionContext } from 'ava';
import type { Redis } from 'ioredis';
import { createApp } from '../../api/app.ts';
import type { JobLogs } from '../../api/job-logs.ts';
import { ROLES, type Role } from '../../api/principal.ts';
import { RedisJobService } from '../../scheduler/job-service.ts';
import { ApiTokenStore } from '../../scheduler/store/api-tokens.ts';
import { RedisJobEventFeed } from '../../scheduler/store/job-events.ts';
import { JobQueues } from '../../scheduler/store/job-queues.ts';
import { JobStore } from '../../scheduler/store/job-store.ts';
import { TenantStore } from '../../scheduler/store/tenant-store.ts';
import { aJobSpec } from './api-builders.ts';
import { FakeJobDefinitions } from './fake-job-definitions.ts';
import { serve } from './http-server.ts';
import { openSse, type SseStream } from './sse-client.ts';

/** "role:tenant", e.g. "submitter:a" or "admin:ops". */
export type Caller = `${Role}:${string}`;

export interface Reply {
  status: number;
  contentType: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies field by field
  body: any;
}

export interface TenantApi {
  store: JobStore;
  tenants: TenantStore;
  request(caller: Caller, method: string, path: string, json?: unknown): Promise<Reply>;
  /** POST /v1/jobs of a small kernel job, `overrides` over it. */
  submit(caller: Caller, overrides?: Record<string, unknown>): Promise<Reply>;
  /** Opens an SSE stream as `caller` (closed after the test). */
  events(caller: Caller, path: string): Promise<SseStream>;
  /** Revokes the caller's token (as an admin would). */
  revoke(caller: Caller): Promise<void>;
}

/** Each attempt's "log" names its job, so a test sees whose log it got. */
const echoLogs: JobLogs = {
  async stream(jobId: string, attempt: number, _options: unknown, out: Writable) {
    out.end(`log of ${jobId} attempt ${attempt}\n`);
    return () => {};
  },
};

let prefixes = 0;

export async function tenantApi(
  t: ExecutionContext,
  redis: Redis,
  options: { eventsHeartbeatMs?: number } = {},
): Promise<TenantApi> {
  const prefix = `tenancy-${process.pid}-${prefixes++}`;
  const store = new JobStore(redis, { prefix });
  const tenants = new TenantStore(redis, { prefix });
  const queues = new JobQueues(redis, ['gpu', 'cpu']);
  const jobs = new RedisJobService({
    store,
    queues,
    redis,
    tenants,
    nodesForQueue: () => undefined,
    cwd: '/',
    preflight: async () => [],
  });
  const tokens = new ApiTokenStore(redis, { prefix });
  const tokenOf = new Map<Caller, Promise<string>>();
  const bearer = (caller: Caller): Promise<string> => {
    let token = tokenOf.get(caller);
    if (!token) {
      const [role, tenant] = caller.split(':') as [Role, string];
      if (!ROLES.includes(role) || !tenant) throw new Error(`bad caller "${caller}"`);
      token = tokens.create({ role, tenant, name: caller }).then((created) => created.token);
      tokenOf.set(caller, token);
    }
    return token;
  };
  const server = await serve(
    createApp({
      jobs,
      logs: echoLogs,
      tenants,
      definitions: new FakeJobDefinitions(),
      events: new RedisJobEventFeed(redis, { prefix, blockMs: 200 }),
      auth: { tokens },
      ...options,
    }),
  );
  const streams: SseStream[] = [];
  t.teardown(async () => {
    for (const stream of streams) stream.close();
    await server.close();
    await queues.close();
  });
  const request = async (caller: Caller, method: string, path: string, json?: unknown): Promise<Reply> => {
    const response = await fetch(server.url + path, {
      method,
      headers: {
        authorization: `Bearer ${await bearer(caller)}`,
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    return {
      status: response.status,
      contentType,
      body: contentType.includes('json') && text ? JSON.parse(text) : text,
    };
  };
  return {
    store,
    tenants,
    request,
    submit: (caller, overrides = {}) =>
      request(caller, 'POST', '/v1/jobs', aJobSpec({ queue: 'gpu', resources: { gpus: 1 }, ...overrides })),
    async revoke(caller) {
      const token = await bearer(caller);
      const record = (await tokens.list()).find((r) => token.startsWith(`gpb_${r.id}_`));
      await tokens.revoke(record!.id);
    },
    async events(caller, path) {
      const stream = await openSse(server.url + path, { authorization: `Bearer ${await bearer(caller)}` });
      streams.push(stream);
      return stream;
    },
  };
}
