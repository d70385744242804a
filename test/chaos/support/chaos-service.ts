// One chaos scenario's world: a working directory with the tiny jobs' input, its own redis-server, and
// the real service (`gpubatch up`) on it, all removed at teardown.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { type TestRedis, type TestRedisOptions, testRedis } from '../../support/redis-server.ts';
import { type ServiceProcess, startService } from '../../support/service-process.ts';
import { tinyJobsConfig, writeTinyInput } from './tiny-jobs.ts';

export interface ChaosWorld {
  work: string;
  redis: TestRedis;
  /** Starts the service (again) on this world's Redis and directory; stopped (SIGKILL) at teardown. */
  start(options?: { args?: string[]; readyLine?: string; env?: NodeJS.ProcessEnv }): Promise<ServiceProcess>;
}

export async function chaosWorld(
  t: ExecutionContext,
  options: { slots: number; configYaml?: string; redis?: TestRedisOptions },
): Promise<ChaosWorld> {
  const work = mkdtempSync(join(tmpdir(), 'gpubatch-chaos-'));
  const redis = await testRedis(options.redis);
  const started: ServiceProcess[] = [];
  t.teardown(async () => {
    await Promise.all(started.map((service) => service.stop('SIGKILL')));
    await redis.stop();
    rmSync(work, { recursive: true, force: true });
  });
  await writeTinyInput(work);
  const config = join(work, 'gpubatch.yaml');
  writeFileSync(config, tinyJobsConfig(options.slots, options.configYaml));
  return {
    work,
    redis,
    start: async (startOptions = {}) => {
      const service = await startService({
        cwd: work,
        redisUrl: redis.url,
        dataDir: join(work, '.gpubatch'),
        args: startOptions.args,
        readyLine: startOptions.readyLine,
        // The clients submit as fast as the service answers, which is over the per-token rate limit (50/s):
        // these scenarios are about failures, not the limiter's 429s (tested in api-hardening).
        env: { GPUBATCH_CONFIG: config, GPUBATCH_RATE_LIMIT_RPS: '0', ...startOptions.env },
      });
      started.push(service);
      return service;
    },
  };
}
