// The whole embedded service wired together on a Redis that is already chosen: job store, queues, local
// executor, scheduler leader and the HTTP API. `up` adds config, Redis resolution and signals; benches and
// end-to-end tests start it directly.
import { createServer, type Server } from 'node:http';
import { createApp } from '../api/app.ts';
import type { Config } from './config.ts';
import { createExecutor } from './executors/create-executor.ts';
import type { Executor } from './executors/executor.ts';
import { RedisJobService } from './job-service.ts';
import { queueSettingsLookup } from './queue-settings.ts';
import { SchedulerService } from './service.ts';
import { JobQueues } from './store/job-queues.ts';
import { JobStore } from './store/job-store.ts';
import { connect } from './store/redis.ts';

export interface ServiceStack {
  /** Base URL of the API. */
  url: string;
  store: JobStore;
  executor: Executor;
  /** One line about the executor and its nodes, for the start-up log. */
  describeExecutor(): string;
  scheduler: SchedulerService;
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
>;

export async function startServiceStack(
  config: StackConfig,
  redisUrl: string,
  log?: (message: string) => void,
): Promise<ServiceStack> {
  const redis = connect(redisUrl, { name: 'gpubatch-api' });
  const store = new JobStore(redis);
  const queues = new JobQueues(
    redis,
    config.queues.map((q) => q.name),
  );
  const environment = config.computeEnvironments[0]!;
  const created = createExecutor(environment, config.runners, log);
  const { executor } = created;
  const scheduler = new SchedulerService({
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
    queueSettings: queueSettingsLookup(config.queues),
    fairShare: { weights: config.fairShare.weights, halfLifeMs: config.fairShare.halfLifeSeconds * 1000 },
    log,
  });
  const jobs = new RedisJobService({
    store,
    queues,
    redis,
    nodesForQueue: () => created.capacityNodes(),
    computeEnvironments: config.computeEnvironments.map((ce) => ({
      name: ce.name,
      type: ce.type,
      queues: config.queues.filter((q) => q.computeEnvironment === ce.name).map((q) => q.name),
    })),
    cwd: config.cwd,
    schedulerRunning: () => scheduler.isLeader,
  });
  const server = await listen(
    createApp({ jobs, token: config.token, logs: created.logs }),
    config.port,
    config.host,
  ).catch(async (error: Error) => {
    await scheduler.stop();
    await queues.close();
    redis.disconnect();
    throw error;
  });
  const { port } = server.address() as { port: number };
  // The scheduler leads once the executor knows its nodes (Kubernetes: both informers have listed).
  void created.ready
    .then(() => scheduler.start())
    .catch((error: Error) => log?.(`scheduler stopped: ${error.message}`));
  return {
    url: `http://${config.host}:${port}`,
    store,
    executor,
    describeExecutor: created.describe,
    scheduler,
    stop: async () => {
      server.close();
      server.closeAllConnections();
      await scheduler.stop();
      await queues.close();
      redis.disconnect();
    },
  };
}

function listen(app: ReturnType<typeof createApp>, port: number, host: string): Promise<Server> {
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
