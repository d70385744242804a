// The API with every optional feature on (job definitions, queue and compute environment catalogs, events,
// budgets, logs, the AWS-compatible endpoint and access keys) in this process, over the real job service,
// job definition store and scheduler leader on a real Redis (fake executor), for tests that must reach
// every route: the fuzz test. In-process so a test can also inspect the server's own globals.
import type { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { createApp } from '../../api/app.ts';
import { NotFoundError } from '../../api/errors.ts';
import type { JobLogs, LogOptions } from '../../api/job-logs.ts';
import type { BudgetLimits } from '../../scheduler/budget-ledger.ts';
import { ServiceMetrics } from '../../scheduler/metrics/service-metrics.ts';
import { AccessKeyStore } from '../../scheduler/store/access-keys.ts';
import { ApiTokenStore } from '../../scheduler/store/api-tokens.ts';
import { countJobs } from '../../scheduler/store/job-counts.ts';
import { JobDefinitionStore } from '../../scheduler/store/job-definition-store.ts';
import { RedisJobEventFeed } from '../../scheduler/store/job-events.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { gpuNodes } from './builders.ts';
import { type RunningServer, serve } from './http-server.ts';
import { type TestRedis, testRedis } from './redis-server.ts';
import { type SchedulerHarness, schedulerHarness } from './scheduler-harness.ts';

/** The bearer token of the stack's admin caller. */
const ADMIN_TOKEN = 'full-stack-admin-token';

/**
 * The headers every request of an admin caller carries. The one place where credentials are attached, so
 * a change to authentication changes only this function.
 */
export function adminHeaders(): Record<string, string> {
  return { authorization: `Bearer ${ADMIN_TOKEN}` };
}

export interface FullApiStack {
  url: string;
  redis: TestRedis;
  /** A connection of the test's own (inspecting keys, creating access keys). */
  client: Redis;
  harness: SchedulerHarness;
  /** Every error the API answered with a 500, as logged. */
  unexpectedErrors: unknown[];
  stop(): Promise<void>;
}

export const FULL_STACK_QUEUES = ['default', 'spare'];
export const FULL_STACK_BUDGETS: BudgetLimits = { '*': { gpuHours: 1000, windowHours: 24 } };

/** Logs of any job that exists: one line per attempt asked for. */
class OneLineLogs implements JobLogs {
  readonly #harness: SchedulerHarness;
  constructor(harness: SchedulerHarness) {
    this.#harness = harness;
  }
  async stream(jobId: string, attempt: number, _options: LogOptions, out: Writable): Promise<() => void> {
    if (!(await this.#harness.store.get(jobId))) throw new NotFoundError(`job ${jobId} not found`);
    out.end(`attempt ${attempt} of ${jobId}\n`);
    return () => undefined;
  }
}

export async function fullApiStack(): Promise<FullApiStack> {
  const redis = await testRedis();
  const metrics = new ServiceMetrics();
  const harness = await schedulerHarness(redis.url, gpuNodes(1, { gpus: 1 }), {
    queues: FULL_STACK_QUEUES,
    budgets: FULL_STACK_BUDGETS,
    metrics,
  });
  const client = connect(redis.url);
  metrics.watch({ computeEnvironments: () => harness.jobs.computeEnvironments() });
  metrics.watch({ jobCounts: () => countJobs(client, harness.store.keys, FULL_STACK_QUEUES) });
  const unexpectedErrors: unknown[] = [];
  // ADMIN_TOKEN as an admin token in the real token store, as GPUBATCH_ADMIN_TOKEN would store it.
  const tokens = new ApiTokenStore(client);
  await tokens.ensure(ADMIN_TOKEN, { role: 'admin', tenant: 'default' });
  const app = createApp({
    jobs: harness.jobs,
    auth: { tokens },
    // The fuzz test sends 10,000 requests with one token: a 429 would hide what the handlers do.
    hardening: { rateLimit: { requestsPerSecond: 0, burst: 1 } },
    metrics,
    logError: (error) => unexpectedErrors.push(error),
    definitions: new JobDefinitionStore(client),
    logs: new OneLineLogs(harness),
    budgets: { budgetUsage: async () => harness.scheduler.budgetUsage() },
    queueCatalog: harness.registry,
    computeEnvironmentCatalog: harness.environments,
    events: new RedisJobEventFeed(client),
    aws: {
      accessKeys: new AccessKeyStore(client),
      computeEnvironments: [{ name: 'local', type: 'local', scorer: 'best-fit' }],
    },
  });
  const server: RunningServer = await serve(app);
  return {
    url: server.url,
    redis,
    client,
    harness,
    unexpectedErrors,
    stop: async () => {
      await server.close();
      await harness.stop();
      client.disconnect();
      await redis.stop();
    },
  };
}
