// The service wired together on a Redis that is already chosen, for one role: `all` (job store, queues,
// the first compute environment's executor, scheduler leader and the HTTP API in one process, the
// embedded default), `api` (the REST API alone; the scheduler runs elsewhere) or `scheduler` (leader campaign, placement, workers, executor;
// its port serves only probes and gauges). `up` adds config, Redis resolution and signals; benches and
// end-to-end tests start it directly.

import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import { createApp } from '../api/app.ts';
import type { HardeningOptions } from '../api/hardening/hardening.ts';
import { type AdminTokenOutcome, provisionAdminToken } from './admin-token.ts';
import { savedBudgetUsage } from './budget-usage-reader.ts';
import { type ApiSettings, type Config, dataRootsOf, queueEnvironments } from './config.ts';
import type { NodeState } from './core/types.ts';
import type { MakeElector } from './elector-factory.ts';
import { createExecutor, logSourceFor } from './executors/create-executor.ts';
import {
  COMPUTE_ENVIRONMENT_LABEL,
  EnvironmentExecutors,
  environmentLabel,
} from './executors/environment-executors.ts';
import type { Executor } from './executors/executor.ts';
import { SimulatedExecutor } from './executors/simulated/simulated-executor.ts';
import { simulatedNodes } from './executors/simulated/simulated-nodes.ts';
import { RedisJobService } from './job-service.ts';
import type { LogFn } from './logging/logger.ts';
import { ServiceMetrics } from './metrics/service-metrics.ts';
import { NodeInventoryCache } from './node-inventory-cache.ts';
import { schedulerProbeApp } from './probe-app.ts';
import { queueBoard } from './queue-board.ts';
import { type RetentionSettings, SchedulerService } from './service.ts';
import { AccessKeyStore } from './store/access-keys.ts';
import { ApiTokenStore } from './store/api-tokens.ts';
import { ComputeEnvironmentSettingsStore } from './store/compute-environment-settings.ts';
import { CreatedComputeEnvironments } from './store/created-compute-environments.ts';
import { countJobs } from './store/job-counts.ts';
import { JobDefinitionStore } from './store/job-definition-store.ts';
import { RedisJobEventFeed } from './store/job-events.ts';
import { JobQueues } from './store/job-queues.ts';
import { JobStore } from './store/job-store.ts';
import { QueueRegistry } from './store/queue-registry.ts';
import { connect } from './store/redis.ts';
import { TenantStore } from './store/tenant-store.ts';

/** How stale the submit-time fit check's view of the nodes may be: a node that joins counts within this. */
const CAPACITY_NODES_TTL_MS = 1000;

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
  /** The bearer tokens this stack checks (scheduler/store/api-tokens.ts). */
  tokens: ApiTokenStore;
  /**
   * What start did about the admin token: the one given (adminToken, any role), one created because none
   * existed (roles all and api; written to <dataDir>/admin-token, `up` shows it once), or nothing to do.
   */
  adminToken?: AdminTokenOutcome;
  /** Graceful: stops taking requests, hands running attempts back to their queue, closes connections. */
  stop(): Promise<void>;
}

export type StackConfig = Pick<
  Config,
  | 'port'
  | 'host'
  | 'cwd'
  | 'queues'
  | 'computeEnvironments'
  | 'runners'
  | 'windowPerQueue'
  | 'failover'
  | 'fairShare'
> &
  Partial<Pick<Config, 'role' | 'retention' | 'api' | 'adminToken' | 'metricsOpen' | 'dataDir'>>;

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
  const connections: StackConnections = {
    redis: connect(redisUrl, {
      name: `gpubatch-${role}`,
      commandTimeoutMs: config.failover.redisCommandTimeoutSeconds * 1000,
    }),
    // BullMQ defines its ~50 Lua commands on the client it is given, and ioredis copies every defined
    // command onto each pipeline it builds (each MULTI, each auto-pipelined batch): on the store's client
    // that copy was a tenth of the service's CPU under load. BullMQ's queues get a client of their own,
    // which sends each command as it comes.
    queues: connect(redisUrl, {
      name: `gpubatch-${role}-queues`,
      commandTimeoutMs: config.failover.redisCommandTimeoutSeconds * 1000,
      autoPipelining: false,
    }),
  };
  // A start that fails anywhere lets go of both connections (a stack that started closes them in close()).
  return assembleStack(config, redisUrl, hooks, connections).catch((error: unknown) => {
    connections.queues.disconnect();
    connections.redis.disconnect();
    throw error;
  });
}

interface StackConnections {
  /** The store's, tokens', settings' and the API's client. */
  redis: Redis;
  /** BullMQ's queues' client. */
  queues: Redis;
}

async function assembleStack(
  config: StackConfig,
  redisUrl: string,
  hooks: StackHooks,
  connections: StackConnections,
): Promise<ServiceStack> {
  const role = config.role ?? 'all';
  const { redis, queues: queueConnection } = connections;
  const store = new JobStore(redis);
  const queues = new JobQueues(
    queueConnection,
    config.queues.map((q) => q.name),
  );
  // A registry per stack: tests run several stacks in one process. Job counts come from Redis in any role.
  const metrics = new ServiceMetrics();
  // The queues known at each scrape.
  metrics.watch({ jobCounts: () => countJobs(redis, store.keys, queues.names()) });
  // Config queues are created in Redis when absent; after that the stored definitions apply (docs/api.md#job-queues).
  // Compute environments created over the API (simulated ones) next to the configured; polled below.
  const createdEnvironments = new CreatedComputeEnvironments(redis, store.keys);
  await createdEnvironments.refresh();
  const configuredNames = new Set(config.computeEnvironments.map((ce) => ce.name));
  const allEnvironments = () => [
    ...config.computeEnvironments,
    ...createdEnvironments.all().filter((ce) => !configuredNames.has(ce.name)),
  ];
  const registry = new QueueRegistry(redis, store.keys, queues, () => allEnvironments().map((ce) => ce.name));
  const overridden = await registry.seed(config.queues);
  for (const name of overridden)
    hooks.log?.(`queue ${name}: the stored definition (changed over the API) applies, not the config's`);
  const environmentSettings = new ComputeEnvironmentSettingsStore(redis, store.keys, createdEnvironments);
  for (const name of await environmentSettings.seed(config.computeEnvironments))
    hooks.log?.(
      `compute environment ${name}: the stored state/maxNodes (changed over the API) apply, not the config's`,
    );
  const tokens = new ApiTokenStore(redis);
  const auth = { tokens, metricsOpen: config.metricsOpen ?? false };
  // A scheduler process stores a given GPUBATCH_ADMIN_TOKEN too (its /metrics checks tokens), but only an
  // API creates and shows a first admin token: that is where users come in.
  const adminToken = await provisionAdminToken(tokens, {
    adminToken: config.adminToken,
    dataDir: role === 'scheduler' ? undefined : config.dataDir,
  });
  const runsScheduler = role !== 'api';
  // One executor per configured compute environment, served together (queues place in their order).
  const configured = runsScheduler
    ? config.computeEnvironments.map((ce) => ({ ce, ...createExecutor(ce, config.runners, hooks.log) }))
    : undefined;
  const environments = configured
    ? new EnvironmentExecutors(
        configured.map(({ ce, executor }) => ({ name: ce.name, scorer: ce.scorer, executor })),
      )
    : undefined;
  const executor = environments;
  // The leader (and a standby, ready to lead) serves each created environment as soon as it is seen.
  const serveCreated = () => {
    for (const ce of createdEnvironments.all())
      if (environments && !environments.has(ce.name) && !configuredNames.has(ce.name))
        environments.add({ name: ce.name, scorer: ce.scorer, executor: new SimulatedExecutor(ce) });
  };
  serveCreated();
  createdEnvironments.onChange(serveCreated);
  const pollCreated = setInterval(
    () =>
      void createdEnvironments
        .refresh()
        .catch((error: Error) =>
          hooks.log?.(`could not read the created compute environments: ${error.message}`),
        ),
    1000,
  );
  pollCreated.unref();
  /** Nodes a job could ever fit on, per environment, labelled with it (the fit check at submit). */
  const capacityNodes = (names: readonly string[]): NodeState[] | undefined => {
    if (!configured) {
      const published = inventory!.nodes();
      // A leader of before compute environment labels published one environment's nodes unlabelled.
      if (!published?.some((node) => environmentLabel(node) !== '')) return published;
      return published.filter((node) => names.includes(environmentLabel(node)));
    }
    const nodes: NodeState[] = [];
    const label = (name: string, node: NodeState) => ({
      ...node,
      labels: { ...node.labels, [COMPUTE_ENVIRONMENT_LABEL]: name },
    });
    for (const { ce, capacityNodes: of } of configured) {
      if (!names.includes(ce.name)) continue;
      const known = of();
      if (!known) return undefined; // not listed yet: no fit check rather than a wrong one
      nodes.push(...known.map((node) => label(ce.name, node)));
    }
    for (const ce of createdEnvironments.all())
      if (names.includes(ce.name) && !configuredNames.has(ce.name))
        nodes.push(...simulatedNodes(ce).map((node) => label(ce.name, node)));
    return nodes;
  };
  // Submissions check each job against these nodes: built at most once a second per set of environments,
  // not per submission (labelling every node of a large cluster each time cost more than the rest of a
  // submission), and the same array meanwhile, so the fit check reuses its reduction to node shapes too.
  const capacityCache = new Map<string, { nodes: NodeState[] | undefined; until: number }>();
  const recentCapacityNodes = (names: readonly string[]): NodeState[] | undefined => {
    const key = names.join('\n');
    const now = Date.now();
    const cached = capacityCache.get(key);
    if (cached && cached.until > now) return cached.nodes;
    const nodes = capacityNodes(names);
    capacityCache.set(key, { nodes, until: now + CAPACITY_NODES_TTL_MS });
    return nodes;
  };
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
      auth,
      logError,
    });
  } else {
    const tenants = new TenantStore(redis);
    const jobs = new RedisJobService({
      store,
      queues,
      redis,
      registry,
      tenants,
      environmentSettings,
      nodesForQueue: (_queue, names) => recentCapacityNodes(names ?? [config.computeEnvironments[0]!.name]),
      environmentType: (name) => allEnvironments().find((ce) => ce.name === name)?.type,
      computeEnvironments: () =>
        allEnvironments().map((ce) => ({
          name: ce.name,
          type: ce.type,
          queues: config.queues.filter((q) => queueEnvironments(q).includes(ce.name)).map((q) => q.name),
        })),
      cwd: config.cwd,
      dataRoots: (name) =>
        dataRootsOf(
          config.computeEnvironments.find((ce) => ce.name === name),
          config.cwd,
        ),
      ...(config.api ? { maxParamsBytes: config.api.maxParamsBytes } : {}),
      schedulerRunning: scheduler ? () => scheduler.isLeader : undefined,
      metrics,
      log,
    });
    metrics.watch({ computeEnvironments: () => jobs.computeEnvironments() });
    // Attempt logs: where an executor keeps them (Kubernetes pods); the first environment that does.
    const logs = configured
      ? configured.find((c) => c.logs)?.logs
      : config.computeEnvironments.map((ce) => logSourceFor(ce)).find((source) => source);
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
      auth,
      ...(config.api ? { hardening: hardeningOf(config.api) } : {}),
      logs,
      budgets,
      queueCatalog: registry,
      computeEnvironmentCatalog: environmentSettings,
      tenants,
      events: new RedisJobEventFeed(redis),
      queueBoard: (basePath) => queueBoard({ queues, refresh: () => registry.refresh(), basePath }),
      aws: {
        accessKeys: new AccessKeyStore(redis),
        computeEnvironments: config.computeEnvironments,
      },
    });
  }
  // Everything but the Redis connections, which startServiceStack lets go of when the start fails.
  const stopWork = async () => {
    clearInterval(pollCreated);
    inventory?.stop();
    await scheduler?.stop();
    await queues.close();
  };
  const close = async () => {
    try {
      await stopWork();
    } finally {
      queueConnection.disconnect();
      redis.disconnect();
    }
  };
  const server = await listen(app, config.port, config.host).catch(async (error: Error) => {
    await stopWork();
    throw error;
  });
  const { port } = server.address() as { port: number };
  // The scheduler campaigns once the executor knows its nodes (Kubernetes: both informers have listed).
  void (configured ? Promise.all(configured.map((c) => c.ready)) : undefined)
    ?.then(() => scheduler?.start())
    .catch((error: Error) => hooks.log?.(`scheduler stopped: ${error.message}`));
  return {
    url: `http://${config.host}:${port}`,
    store,
    executor,
    ...(configured ? { describeExecutor: () => configured.map((c) => c.describe()).join('; ') } : {}),
    scheduler,
    metrics,
    tokens,
    ...(adminToken ? { adminToken } : {}),
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
  executor: EnvironmentExecutors,
  hooks: StackHooks,
  metrics: ServiceMetrics,
): SchedulerService {
  const environment = config.computeEnvironments[0]!;
  return new SchedulerService({
    redisUrl,
    store,
    queues,
    executor,
    environments: executor,
    cwd: config.cwd,
    dataRoots: dataRootsOf(environment, config.cwd),
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

function hardeningOf(api: ApiSettings): HardeningOptions {
  return { rateLimit: api.rateLimit, corsOrigins: api.corsOrigins, maxJsonDepth: api.maxJsonDepth };
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
