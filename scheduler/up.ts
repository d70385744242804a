// `gpubatch up` / `npm start`: the whole service in one process (API + scheduler leader + local executor),
// with its own redis-server when none is configured or running.
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createApp } from '../api/app.ts';
import { loadConfig } from './config.ts';
import { LocalExecutor } from './executors/local/local-executor.ts';
import { RedisJobService } from './job-service.ts';
import { SchedulerService } from './service.ts';
import { JobQueues } from './store/job-queues.ts';
import { JobStore } from './store/job-store.ts';
import { assertNoEviction, connect, resolveRedis } from './store/redis.ts';

const log = (message: string) => console.log(`[gpubatch] ${message}`);

export async function up(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    await start(env);
  } catch (error) {
    console.error(`[gpubatch] cannot start: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}

async function start(env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadConfig(env);
  await prepareExamplesIfPresent(config.cwd);
  const redisInfo = await resolveRedis({ redisUrl: config.redisUrl, dataDir: config.dataDir });
  log(
    `redis: ${redisInfo.url} (${redisInfo.source}${redisInfo.embedded ? `, data in ${redisInfo.embedded.dir}` : ''})`,
  );
  const redis = connect(redisInfo.url, { name: 'gpubatch-api' });
  try {
    await assertNoEviction(redis);
  } catch (error) {
    redis.disconnect();
    await redisInfo.embedded?.stop();
    throw error;
  }
  const store = new JobStore(redis);
  const queues = new JobQueues(
    redis,
    config.queues.map((q) => q.name),
  );
  const environment = config.computeEnvironments[0]!;
  const executor = new LocalExecutor({
    inventory: environment.inventory,
    maxIdleRunners: config.runners.maxIdle,
    idleTimeoutMs: config.runners.idleTimeoutSeconds * 1000,
  });
  const node = executor.nodes()[0]!;
  log(
    `local executor: node ${node.name}, ${node.gpus.length} GPU(s), ${node.cpuMilliTotal / 1000} CPUs, ${node.memoryMiBTotal} MiB`,
  );
  const scheduler = new SchedulerService({
    redisUrl: redisInfo.url,
    store,
    queues,
    executor,
    cwd: config.cwd,
    scorer: environment.scorer,
    windowPerQueue: config.windowPerQueue,
    log,
  });
  const jobs = new RedisJobService({
    store,
    queues,
    redis,
    nodesForQueue: () => executor.nodes(),
    cwd: config.cwd,
    schedulerRunning: () => scheduler.isLeader,
  });
  const app = createApp({ jobs, token: config.token });
  const server = await listen(app, config.port, config.host);
  log(`API listening on http://${config.host}:${(server.address() as { port: number }).port}`);
  void scheduler.start().catch((error: Error) => log(`scheduler stopped: ${error.message}`));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down (running attempts go back to their queue)`);
    server.close();
    server.closeAllConnections();
    await scheduler.stop();
    await queues.close();
    redis.disconnect();
    await redisInfo.embedded?.stop();
    log('stopped');
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

function listen(app: ReturnType<typeof createApp>, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, () => resolve(server));
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE' ? new Error(`port ${port} is in use; set PORT to another port`) : error,
      ),
    );
  });
}

/** From a checkout, `up` makes the example inputs and model so the quick start works as written. */
async function prepareExamplesIfPresent(cwd: string): Promise<void> {
  const script = join(cwd, 'examples', 'prepare.ts');
  if (!existsSync(script)) return;
  const { prepareExamples } = (await import(pathToFileURL(script).href)) as {
    prepareExamples: (dir?: string) => Promise<void>;
  };
  await prepareExamples(join(cwd, 'examples', 'data'));
}
