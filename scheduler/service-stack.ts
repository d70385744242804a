// The service wired together on a Redis that is already chosen, for one role: `all` (job store, queues,
// the first compute environment's executor, scheduler leader and the HTTP API in one process, the
// embedded default), `api` (the REST API alone; the scheduler runs elsewhere) or `scheduler` (leader campaign, placement, workers, executor;
// its port serves only probes and gauges). `up` adds config, Redis resolution and signals; benches and
// end-to-end tests start it directly.
import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import { createApp } from '../api/app.ts';
import { savedBudgetUsage } from './budget-usage-reader.ts';
import type { Config } from './config.ts';
import type { MakeElector } from './elector-factory.ts';
import { createExecutor, logSourceFor } from './executors/create-executor.ts';
import type { Executor } from './executors/executor.ts';
import { RedisJobService } from './job-service.ts';
import type { LogFn } from './logging/logger.ts';
import { ServiceMetrics } from './metrics/service-metrics.ts';
import { NodeInventoryCache } from './node-inventory-cache.ts';
import { schedulerProbeApp } from './probe-app.ts';
import { type RetentionSettings, SchedulerService } from './service.ts';
import { AccessKeyStore } from './store/access-keys.ts';
import { ComputeEnvironmentSettingsStore } from './store/compute-environment-settings.ts';
import { countJobs } from './store/job-counts.ts';
import { JobDefinitionStore } from './store/job-definition-store.ts';
import { RedisJobEventFeed } from './store/job-events.ts';
import { JobQueues } from './store/job-queues.ts';
import { JobStore } from './store/job-store.ts';
import { QueueRegistry } from './store/queue-registry.ts';
import { connect } from './store/redis.ts';

export interface ServiceStack {
  /** Base URL of the HTTP port (the API, or for role scheduler its probes). */
  url: string;
  store: JobStore;
  /** Absent for role api. */
  executor?: Executor;
  /** One line about the executor and its nodes, for the start-up log; absent for role api. */
  describeExecutor?(): string;
  /** Absent for role api. */
  scheduler?: SchedulerService;
  /** What /metrics serves on this stack's port (docs/metrics.md). */
  metrics: ServiceMetrics;
  /** Graceful: stops taking requests, hands running attempts back to their queue, closes connections. */
  stop(): Promise<void>;
}

export type StackConfig = Pick<
  Config,
  | 'port'
  | 'host'
  | 'token'
  | 'cwd'
  | 'queues'
  | 'computeEnvironments'
  | 'runners'
  | 'windowPerQueue'
  | 'failover'
  | 'fairShare'
> &
  Partial<Pick<Config, 'role' | 'retention'>>;

export interface StackHooks {
  /** Service messages with their fields (scheduler/logging/logger.ts); jobs' lines carry jobId etc. */
  log?: LogFn;
  /** The leader election (default: the Redis lock alone); see elector-factory.ts. */
  makeElector?: MakeElector;
  /** The scheduler lost leadership and stopped. */
  onSteppedDown?: () => void;
}

export async function startServiceStack(
  config: StackConfig,
  redisUrl: string,
  hooksOrLog?: StackHooks | LogFn,
): Promise<ServiceStack> {
  const hooks: StackHooks = typeof hooksOrLog === 'function' ? { log: hooksOrLog } : (hooksOrLog ?? {});
  const role = config.role ?? 'all';
  const redis = connect(redisUrl, {
    name: `gpubatch-${role}`,
    commandTimeoutMs: config.failover.redisCommandTimeoutSeconds * 1000,
  });
  const store = new JobStore(redis);
  const queues = new JobQueues(
    redis,
    config.queues.map((q) => q.name),
  );
  // A registry per stack: tests run several stacks in one process. Job counts come from Redis in any role.
  const metrics = new ServiceMetrics();
  // The queues known at each scrape.
  metrics.watch({ jobCounts: () => countJobs(redis, store.keys, queues.names()) });
  // Config queues are created in Redis when absent; after that the stored definitions apply (docs/api.md#job-queues).
  const registry = new QueueRegistry(
    redis,
    store.keys,
    queues,
    config.computeEnvironments.map((ce) => ce.name),
  );
  const overridden = await registry.seed(config.queues);
  for (const name of overridden)
    hooks.log?.(`queue ${name}: the stored definition (changed over the API) applies, not the config's`);
  const environmentSettings = new ComputeEnvironmentSettingsStore(redis, store.keys);
  for (const name of await environmentSettings.seed(config.computeEnvironments))
    hooks.log?.(
      `compute environment ${name}: the stored state/maxNodes (changed over the API) apply, not the config's`,
    );
  const runsScheduler = role !== 'api';
  const created = runsScheduler
    ? createExecutor(config.computeEnvironments[0]!, config.runners, hooks.log)
    : undefined;
  const executor = created?.executor;
  const scheduler = executor
    ? schedulerService(
        config,
        redisUrl,
        store,
        queues,
        registry,
        environmentSettings,
        executor,
        hooks,
        metrics,
      )
    : undefined;
  const inventory = role === 'api' ? new NodeInventoryCache(store) : undefined;
  await inventory?.start();

  // A 500's details go to the log (as a structured error), never to the client.
  const log = hooks.log;
  const logError = log
    ? (error: unknown) => log('unexpected error answering a request', { level: 'error', err: error })
    : undefined;
  let app: Express;
  if (role === 'scheduler') {
    app = schedulerProbeApp({
      get isRunning() {
        return scheduler!.isRunning;
      },
      get isLeader() {
        return scheduler!.isLeader;
      },
      pingRedis: () => redis.ping(),
      metrics,
      logError,
    });
  } else {
    const jobs = new RedisJobService({
      store,
      queues,
      redis,
      registry,
      environmentSettings,
      nodesForQueue: () => (created ? created.capacityNodes() : inventory!.nodes()),
      computeEnvironments: config.computeEnvironments.map((ce) => ({
        name: ce.name,
        type: ce.type,
        queues: config.queues.filter((q) => q.computeEnvironment === ce.name).map((q) => q.name),
      })),
      cwd: config.cwd,
      schedulerRunning: scheduler ? () => scheduler.isLeader : undefined,
      metrics,
      log,
    });
    metrics.watch({ computeEnvironments: () => jobs.computeEnvironments() });
    const logs = created ? created.logs : logSourceFor(config.computeEnvironments[0]!);
    const definitions = new JobDefinitionStore(redis);
    const limits = config.fairShare.budgets;
    // The leader's live ledger when it leads here; otherwise what it last saved to Redis.
    const budgets =
      Object.keys(limits).length === 0
        ? undefined
        : {
            budgetUsage: async () =>
              scheduler?.isLeader ? scheduler.budgetUsage() : savedBudgetUsage(store, limits, Date.now()),
          };
    app = createApp({
      jobs,
      metrics,
      ...(logError ? { logError } : {}),
      definitions,
      token: config.token,
      logs,
      budgets,
      queueCatalog: registry,
      computeEnvironmentCatalog: environmentSettings,
      events: new RedisJobEventFeed(redis),
      aws: {
        accessKeys: new AccessKeyStore(redis),
        computeEnvironments: config.computeEnvironments,
      },
    });
  }
  const close = async () => {
    inventory?.stop();
    await scheduler?.stop();
    await queues.close();
    redis.disconnect();
  };
  const server = await listen(app, config.port, config.host).catch(async (error: Error) => {
    await close();
    throw error;
  });
  const { port } = server.address() as { port: number };
  // The scheduler campaigns once the executor knows its nodes (Kubernetes: both informers have listed).
  void created?.ready
    .then(() => scheduler?.start())
    .catch((error: Error) => hooks.log?.(`scheduler stopped: ${error.message}`));
  return {
    url: `http://${config.host}:${port}`,
    store,
    executor,
    ...(created ? { describeExecutor: created.describe } : {}),
    scheduler,
    metrics,
    stop: async () => {
      server.close();
      server.closeAllConnections();
      await close();
    },
  };
}

function schedulerService(
  config: StackConfig,
  redisUrl: string,
  store: JobStore,
  queues: JobQueues,
  registry: QueueRegistry,
  environmentSettings: ComputeEnvironmentSettingsStore,
  executor: Executor,
  hooks: StackHooks,
  metrics: ServiceMetrics,
): SchedulerService {
  const environment = config.computeEnvironments[0]!;
  return new SchedulerService({
    redisUrl,
    store,
    queues,
    executor,
    cwd: config.cwd,
    scorer: environment.scorer,
    computeEnvironment: environment.name,
    windowPerQueue: config.windowPerQueue,
    leaderTtlMs: config.failover.leaderTtlSeconds * 1000,
    attemptLockMs: config.failover.attemptLockSeconds * 1000,
    queueSettings: (queue) => registry.settings(queue),
    queueRegistry: registry,
    environmentSettings,
    fairShare: { weights: config.fairShare.weights, halfLifeMs: config.fairShare.halfLifeSeconds * 1000 },
    retention: config.retention && retentionOptions(config.retention),
    budgets: config.fairShare.budgets,
    makeElector: hooks.makeElector,
    onSteppedDown: hooks.onSteppedDown,
    log: hooks.log,
    metrics,
  });
}

function retentionOptions(retention: NonNullable<StackConfig['retention']>): RetentionSettings {
  return {
    finishedJobMs: retention.finishedJobDays * 24 * 3_600_000,
    sweepIntervalMs: retention.sweepIntervalSeconds * 1000,
    batchSize: retention.batchSize,
  };
}

function listen(app: Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(app);
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`port ${port} on ${host} is in use; stop what uses it or set PORT to another port`)
          : error,
      ),
    );
    server.listen(port, host, () => resolve(server));
  });
}
