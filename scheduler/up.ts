// `gpubatch up` / `npm start`: the whole service in one process (API + scheduler leader + local executor),
// with its own redis-server when none is configured or running.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from './config.ts';
import { startServiceStack } from './service-stack.ts';
import { assertNoEviction, connect, type ResolvedRedis, resolveRedis } from './store/redis.ts';

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
  const redis = await resolveRedis({ redisUrl: config.redisUrl, dataDir: config.dataDir });
  log(`redis: ${redis.url} (${redis.source}${redis.embedded ? `, data in ${redis.embedded.dir}` : ''})`);
  await checkRedis(redis);
  const stack = await startServiceStack(config, redis.url, log).catch(async (error: Error) => {
    await redis.embedded?.stop();
    throw error;
  });
  log(stack.describeExecutor());
  log(`API listening on ${stack.url}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down (running attempts go back to their queue)`);
    await stack.stop();
    await redis.embedded?.stop();
    log('stopped');
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

async function checkRedis(redis: ResolvedRedis): Promise<void> {
  const client = connect(redis.url, { name: 'gpubatch-check' });
  try {
    await assertNoEviction(client);
  } catch (error) {
    await redis.embedded?.stop();
    throw error;
  } finally {
    client.disconnect();
  }
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
