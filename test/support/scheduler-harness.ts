// A real scheduler stack (Redis, BullMQ, job store, leader, placement loop, driver) over a fake executor.
import type { Redis } from 'ioredis';
import { type JobSpecInput, JobSpecSchema } from '../../api/schemas/job-spec.ts';
import type { BudgetLimits } from '../../scheduler/budget-ledger.ts';
import { QueueSchema } from '../../scheduler/config.ts';
import type { NodeState } from '../../scheduler/core/types.ts';
import type { JobRecord, JobStatus } from '../../scheduler/job-record.ts';
import { RedisJobService } from '../../scheduler/job-service.ts';
import type { LogFn } from '../../scheduler/logging/logger.ts';
import type { ServiceMetrics } from '../../scheduler/metrics/service-metrics.ts';
import { DEFAULT_QUEUE_SETTINGS, type QueueSettings } from '../../scheduler/queue-settings.ts';
import { type RetentionSettings, SchedulerService } from '../../scheduler/service.ts';
import { ComputeEnvironmentSettingsStore } from '../../scheduler/store/compute-environment-settings.ts';
import { countJobs } from '../../scheduler/store/job-counts.ts';
import { JobQueues } from '../../scheduler/store/job-queues.ts';
import { JobStore } from '../../scheduler/store/job-store.ts';
import { QueueRegistry } from '../../scheduler/store/queue-registry.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { FakeExecutor } from './fake-executor.ts';

export interface SchedulerHarness {
  executor: FakeExecutor;
  jobs: RedisJobService;
  store: JobStore;
  scheduler: SchedulerService;
  /** The job queues in Redis (create and change them at run time). */
  registry: QueueRegistry;
  /** The run-time settings of the one compute environment, `local`. */
  environments: ComputeEnvironmentSettingsStore;
  submit(spec?: Partial<JobSpecInput>): Promise<JobRecord>;
  waitFor(id: string, predicate: (r: JobRecord) => boolean, what?: string): Promise<JobRecord>;
  waitForStatus(id: string, status: JobStatus): Promise<JobRecord>;
  /** A new scheduler on the same Redis (a restart); the old one must be stopped first. */
  restart(options?: StartOptions): Promise<SchedulerHarness>;
  waitUntilLeading(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Queue names, or queues with their scheduling settings. Default: one queue, `default`. */
  queues?: (string | (Partial<QueueSettings> & { name: string; state?: 'ENABLED' | 'DISABLED' }))[];
  /** Runs before the scheduler starts, e.g. to make a store call fail once. */
  beforeStart?: (store: JobStore) => void;
  /** Waiting jobs per queue the scheduler looks ahead at (default 256). */
  windowPerQueue?: number;
  /** Wait until the scheduler leads (default), or return at once. */
  awaitLeading?: boolean;
  /** How often the leader checks queues' maxRunnableSeconds (the service's default is 10 s). */
  runnableSweepMs?: number;
  /** Finished-job retention (the service's default: 7 days, swept every 60 s). */
  retention?: RetentionSettings;
  /** GPU-hour budgets per shareIdentifier (none by default). */
  budgets?: BudgetLimits;
  /** How often the leader saves budget usage (the service's default is 10 s). */
  budgetSaveIntervalMs?: number;
  /** Metrics the scheduler and job service update, with job counts read from this Redis. */
  metrics?: ServiceMetrics;
  /** Where the scheduler and job service log (scheduler/logging/logger.ts); nowhere by default. */
  log?: LogFn;
}

/** Reads a job over a connection of its own, so it works after the harness has stopped. */
export async function readJob(redisUrl: string, id: string): Promise<JobRecord | undefined> {
  const client = connect(redisUrl);
  try {
    return await new JobStore(client).get(id);
  } finally {
    client.disconnect();
  }
}

export async function schedulerHarness(
  redisUrl: string,
  nodes: NodeState[],
  options: StartOptions = {},
): Promise<SchedulerHarness> {
  const redis: Redis = connect(redisUrl);
  const queueConfigs = (options.queues ?? ['default']).map((q) =>
    typeof q === 'string' ? { ...DEFAULT_QUEUE_SETTINGS, name: q } : { ...DEFAULT_QUEUE_SETTINGS, ...q },
  );
  const queueNames = queueConfigs.map((q) => q.name);
  const store = new JobStore(redis);
  const queues = new JobQueues(redis, queueNames);
  const registry = new QueueRegistry(redis, store.keys, queues, ['local']);
  // The harness's queues are what this test declares, even over what an earlier harness stored.
  await redis.hdel(store.keys.queueDefinitions, ...queueNames);
  await registry.seed(queueConfigs.map((q) => QueueSchema.parse(q)));
  const environments = new ComputeEnvironmentSettingsStore(redis, store.keys);
  await redis.hdel(store.keys.computeEnvironmentSettings, 'local');
  await environments.seed([{ name: 'local', state: 'ENABLED' }]);
  const executor = new FakeExecutor(nodes);
  const scheduler = new SchedulerService({
    redisUrl,
    store,
    queues,
    executor,
    cwd: '/',
    leaderTtlMs: 3000,
    queueSettings: (queue) => registry.settings(queue),
    queueRegistry: registry,
    environmentSettings: environments,
    queueRefreshMs: 200,
    estimateIntervalMs: 0,
    windowPerQueue: options.windowPerQueue,
    runnableSweepMs: options.runnableSweepMs,
    retention: options.retention,
    budgets: options.budgets,
    budgetSaveIntervalMs: options.budgetSaveIntervalMs,
    metrics: options.metrics,
    log: options.log,
  });
  const jobs = new RedisJobService({
    store,
    queues,
    redis,
    registry,
    environmentSettings: environments,
    computeEnvironments: [{ name: 'local', type: 'local', queues: queueNames }],
    nodesForQueue: () => executor.nodes(),
    cwd: '/',
    schedulerRunning: () => scheduler.isLeader,
    preflight: async () => [],
    metrics: options.metrics,
    log: options.log,
  });
  options.metrics?.watch({ jobCounts: () => countJobs(redis, store.keys, queues.names()) });
  options.beforeStart?.(store);
  const started = scheduler.start();
  if (options.awaitLeading ?? true) await started;

  const waitFor = async (id: string, predicate: (r: JobRecord) => boolean, what = 'condition') => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const record = await store.get(id);
      if (record && predicate(record)) return record;
      if (Date.now() > deadline) {
        throw new Error(`job ${id}: ${what} not reached; last: ${record?.status} ${record?.statusReason}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const stop = async () => {
    await scheduler.stop();
    await queues.close();
    redis.disconnect();
  };
  return {
    executor,
    jobs,
    store,
    scheduler,
    registry,
    environments,
    submit: async (spec = {}) =>
      (
        await jobs.submit(
          JobSpecSchema.parse({
            name: 'test-job',
            kind: 'kernel',
            kernel: 'standardize',
            input: 'in.npy',
            output: 'out.npy',
            ...spec,
          }),
        )
      ).job,
    waitFor,
    waitForStatus: (id, status) => waitFor(id, (r) => r.status === status, `status ${status}`),
    restart: (restartOptions = {}) => schedulerHarness(redisUrl, nodes, { ...options, ...restartOptions }),
    waitUntilLeading: async () => {
      const deadline = Date.now() + 10_000;
      while (!scheduler.isLeader) {
        if (Date.now() > deadline) throw new Error('scheduler did not start leading within 10 s');
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    stop,
  };
}
