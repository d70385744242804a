// The scheduler leader expires finished jobs on its own, on the real scheduler stack (fake executor).
import test from 'ava';
import { gpuNodes } from '../support/builders.ts';
import { success } from '../support/fake-executor.ts';
import { type TestRedis, testRedis } from '../support/redis-server.ts';
import { type SchedulerHarness, schedulerHarness } from '../support/scheduler-harness.ts';

let redis: TestRedis;
let harness: SchedulerHarness | undefined;

test.before(async () => {
  redis = await testRedis();
});

test.after.always(async () => {
  await harness?.stop();
  await redis?.stop();
});

test('the leader deletes a finished job once its retention has passed, and keeps a started one', async (t) => {
  harness = await schedulerHarness(redis.url, gpuNodes(1, { gpus: 2 }), {
    retention: { finishedJobMs: 300, sweepIntervalMs: 50, batchSize: 10 },
  });
  const done = await harness.submit({ idempotencyKey: 'once' });
  const running = await harness.submit({});
  (await harness.executor.started(done.id)).settle(success());
  await harness.executor.started(running.id);
  await harness.waitForStatus(done.id, 'SUCCEEDED');

  const deadline = Date.now() + 10_000;
  while ((await harness.store.get(done.id)) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  t.is(await harness.store.get(done.id), undefined, 'deleted by the leader');
  t.is((await harness.store.get(running.id))?.status, 'STARTING', 'an unfinished job stays');
  const listed = await harness.jobs.list({ limit: 10 });
  t.deepEqual(
    listed.jobs.map((j) => j.id),
    [running.id],
  );
});
