// `gpubatch up` / `npm start`: the whole service in one process (API + scheduler leader + local executor),
// with its own redis-server when none is configured or running; or one role of it (`--role api|scheduler`,
// GPUBATCH_ROLE) on a shared Redis, as the Kubernetes manifests run it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type AdminTokenOutcome, adminTokenBanner } from './admin-token.ts';
import { loadConfig } from './config.ts';
import { electorFor } from './elector-factory.ts';
import { createLogger, type LogFn, logFnOf, loggerSettingsFromEnv, secretMasker } from './logging/logger.ts';
import { type ServiceStack, startServiceStack } from './service-stack.ts';
import {
  assertNoEviction,
  connect,
  passwordOf,
  type ResolvedRedis,
  redactUrl,
  resolveRedis,
} from './store/redis.ts';

/** Secret values the environment may hold: never printed, in log lines or a start-up error. */
function secretsOf(env: NodeJS.ProcessEnv): (string | undefined)[] {
  return [
    env.GPUBATCH_TOKEN,
    env.GPUBATCH_ADMIN_TOKEN,
    env.REDIS_PASSWORD,
    passwordOf(env.REDIS_URL),
    env.AWS_SECRET_ACCESS_KEY,
    env.AWS_SESSION_TOKEN,
  ];
}

export async function up(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    await start(env);
  } catch (error) {
    // A start-up error may quote the configuration: mask the secrets it holds like the logger does.
    const mask = secretMasker(secretsOf(env));
    console.error(mask(`[gpubatch] cannot start: ${(error as Error).message}`));
    process.exitCode = 1;
  }
}

async function start(env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadConfig(env);
  const log: LogFn = logFnOf(
    createLogger({
      ...loggerSettingsFromEnv(env),
      base: { role: config.role },
      // Values that must never reach a line, wherever they would appear.
      secrets: [config.adminToken, passwordOf(config.redisUrl), ...secretsOf(env)],
    }),
  );
  const makeElector = electorFor(config.leaderElection, { env });
  if (config.role === 'all') await prepareExamplesIfPresent(config.cwd);
  const redis = await resolveRedis({ redisUrl: config.redisUrl, dataDir: config.dataDir });
  // REDIS_URL carries the password on Kubernetes (manifests): never log it.
  log(
    `redis: ${redactUrl(redis.url)} (${redis.source}${redis.embedded ? `, data in ${redis.embedded.dir}` : ''})`,
  );
  await checkRedis(redis);

  let stack: ServiceStack | undefined;
  let stopping = false;
  const shutdown = async (why: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    log(`${why}: shutting down (running attempts go back to their queue)`);
    await stack?.stop();
    await redis.embedded?.stop();
    log('stopped');
    process.exitCode = exitCode;
  };
  stack = await startServiceStack(config, redis.url, {
    log,
    makeElector,
    // A scheduler-only process that lost leadership has nothing left to do: exit, so that Kubernetes
    // restarts it as a standby. Role all keeps serving its API (readyz says the scheduler is not running).
    onSteppedDown: config.role === 'scheduler' ? () => void shutdown('stepped down', 1) : undefined,
  }).catch(async (error: Error) => {
    await redis.embedded?.stop();
    throw error;
  });
  reportAdminToken(stack.adminToken, log);
  if (env.GPUBATCH_TOKEN && !config.adminToken && config.role !== 'scheduler') {
    log(
      "GPUBATCH_TOKEN is the CLI's setting and is ignored by the server; give the server its admin token in GPUBATCH_ADMIN_TOKEN (docs/api.md#authentication)",
      { level: 'warn' },
    );
  }
  if (stack.describeExecutor) log(stack.describeExecutor());
  log(`leader election: ${config.leaderElection.type}`);
  log(
    config.role === 'scheduler'
      ? `probes listening on ${stack.url}`
      : `API listening on ${stack.url} (role ${config.role})`,
  );
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

/** The created token goes to stdout once, never through the logger; the rest is a log line without it. */
function reportAdminToken(outcome: AdminTokenOutcome | undefined, log: LogFn): void {
  if (!outcome) return;
  if (outcome.kind === 'created') {
    process.stdout.write(adminTokenBanner(outcome.token, outcome.file));
    log(`admin token: created on first start, saved to ${outcome.file}`);
  } else if (outcome.kind === 'given') {
    if (outcome.outcome === 'revoked')
      log('GPUBATCH_ADMIN_TOKEN was revoked by an admin; it stays revoked (set another one)', {
        level: 'warn',
      });
    else
      log(`admin token: GPUBATCH_ADMIN_TOKEN ${outcome.outcome === 'created' ? 'stored (hashed)' : 'known'}`);
  } else if (outcome.kind === 'exists') {
    log('admin token: one exists already (created earlier; `gpubatch tokens ls` lists tokens)');
  }
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
