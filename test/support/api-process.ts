// The REST API as `up --role api` runs it: its own connection, job service and copies of the queues and
// compute environment settings; it shares only Redis with the scheduler leader (a schedulerHarness).
import type { Redis } from 'ioredis';
import { createApp } from '../../api/app.ts';
import { RedisJobService } from '../../scheduler/job-service.ts';
import { ComputeEnvironmentSettingsStore } from '../../scheduler/store/compute-environment-settings.ts';
import { JobQueues } from '../../scheduler/store/job-queues.ts';
import { JobStore } from '../../scheduler/store/job-store.ts';
import { QueueRegistry } from '../../scheduler/store/queue-registry.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { bearer, redisAuth } from './authed-api.ts';
import { type RunningServer, serve } from './http-server.ts';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field and checked by the tests
export type Reply = { status: number; body: any };

export interface ApiProcess {
  /** An admin token (in the shared Redis, like one `gpubatch tokens create` made); requests send it. */
  token: string;
  /** `token` overrides the admin token for this request. */
  request(method: string, path: string, body?: unknown, token?: string): Promise<Reply>;
  /** POST /v1/jobs with a 1-GPU kernel job, `spec` over it. */
  submit(spec: Record<string, unknown>): Promise<Reply>;
  stop(): Promise<void>;
}

export async function apiProcess(redisUrl: string): Promise<ApiProcess> {
  const client: Redis = connect(redisUrl);
  const store = new JobStore(client);
  const queues = new JobQueues(client, []);
  const registry = new QueueRegistry(client, store.keys, queues, ['local']);
  await registry.refresh();
  const environments = new ComputeEnvironmentSettingsStore(client, store.keys);
  const jobs = new RedisJobService({
    store,
    queues,
    redis: client,
    registry,
    environmentSettings: environments,
    computeEnvironments: [{ name: 'local', type: 'local', queues: [] }],
    nodesForQueue: () => undefined,
    cwd: '/',
    preflight: async () => [],
  });
  const { auth, token } = await redisAuth(client);
  const server: RunningServer = await serve(
    createApp({ jobs, queueCatalog: registry, computeEnvironmentCatalog: environments, auth }),
  );
  const request = async (method: string, path: string, body?: unknown, as = token) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { ...bearer(as), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  return {
    token,
    request,
    submit: (spec) =>
      request('POST', '/v1/jobs', {
        name: 'test-job',
        kind: 'kernel',
        kernel: 'standardize',
        input: 'in.npy',
        output: 'out.npy',
        resources: { gpus: 1 },
        ...spec,
      }),
    stop: async () => {
      await server.close();
      await queues.close();
      client.disconnect();
    },
  };
}
