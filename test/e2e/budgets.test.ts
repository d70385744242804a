// GPU-hour budgets through the real service: the config's fairShare.budgets reach GET /v1/budgets.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { testRedis } from '../support/redis-server.ts';
import { startService } from '../support/service-process.ts';

test('the service shows each configured budget at GET /v1/budgets, and a bad budget stops it naming the field', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'gpubatch-budgets-'));
  const redis = await testRedis();
  t.teardown(async () => {
    await redis.stop();
    rmSync(work, { recursive: true, force: true });
  });
  /** The service, with `config` written to `file` as its config file. */
  const startWith = (file: string, config: string) => {
    writeFileSync(join(work, file), config);
    return startService({
      cwd: work,
      redisUrl: redis.url,
      dataDir: join(work, '.gpubatch'),
      env: { GPUBATCH_CONFIG: join(work, file) },
    });
  };
  const service = await startWith(
    'gpubatch.yaml',
    "fairShare: { budgets: { team-a: { gpuHours: 2, windowHours: 24 }, '*': { gpuHours: 1, windowHours: 1 } } }\n",
  );
  try {
    const response = await service.fetch(`/v1/budgets`);
    t.is(response.status, 200);
    t.deepEqual(await response.json(), {
      shares: [{ share: 'team-a', usedGpuHours: 0, budgetGpuHours: 2, windowHours: 24, exhausted: false }],
    });
  } finally {
    await service.stop('SIGTERM');
  }

  const error = await startWith(
    'bad.yaml',
    'fairShare: { budgets: { team-a: { gpuHours: -1, windowHours: 24 } } }\n',
  ).then(
    async (started) => {
      await started.stop('SIGKILL');
      return 'it started';
    },
    (failure: Error) => failure.message,
  );
  t.regex(error, /fairShare\.budgets\.team-a\.gpuHours/);
});
