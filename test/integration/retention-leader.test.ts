// The scheduler leader expires finished jobs on its own, on the real scheduler stack (fake executor).
import test from 'ava';
import { ARRAY_INDEX_PLACEHOLDERS } from '../../api/schemas/array-spec.ts';
import { childId } from '../../scheduler/array-children.ts';
import { connect } from '../../scheduler/store/redis.ts';
import { gpuNodes } from '../support/builders.ts';
import { success } from '../support/fake-executor.ts';
import { schedulerStackPerTest } from '../support/scheduler-stack.ts';

const stack = schedulerStackPerTest(test);

test.serial(
  'the leader deletes a finished job once its retention has passed, and keeps a started one',
  async (t) => {
    const harness = await stack.start(gpuNodes(1, { gpus: 2 }), {
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
  },
);

test.serial(
  'an expired array job goes with all its children and its keys; a dependency goes with its dependents set',
  async (t) => {
    const harness = await stack.start(gpuNodes(1, { gpus: 2 }), {
      retention: { finishedJobMs: 400, sweepIntervalMs: 50, batchSize: 2 },
    });
    const h = harness;
    const client = connect(stack.redis.url);
    t.teardown(() => client.disconnect());
    const keysBefore = new Set(await client.keys('gpubatch:*'));
    const first = await h.submit({ name: 'first' });
    const array = await h.submit({
      name: 'array',
      arraySize: 3,
      output: `out-${ARRAY_INDEX_PLACEHOLDERS[0]}.npy`,
    });
    const second = await h.submit({ name: 'second', dependsOn: [{ jobId: first.id }] });
    for (const id of [first.id, second.id, childId(array.id, 0), childId(array.id, 1), childId(array.id, 2)])
      (await h.executor.started(id)).settle(success());
    for (const id of [first.id, second.id, array.id]) await h.waitForStatus(id, 'SUCCEEDED');
    t.truthy(await h.store.get(`${array.id}:1`), 'a child is a job while its array is kept');

    const deadline = Date.now() + 10_000;
    while ((await h.store.get(array.id)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300)); // the other two in the next batches
    for (const id of [first.id, second.id, array.id, `${array.id}:0`, `${array.id}:2`])
      t.is(await h.store.get(id), undefined, `${id} deleted`);
    const left = (await client.keys('gpubatch:*')).filter(
      (key: string) => !keysBefore.has(key) && !key.startsWith('gpubatch:bull:'),
    );
    const mentions = left.filter((key: string) =>
      [first.id, second.id, array.id].some((id) => key.includes(id)),
    );
    t.deepEqual(mentions, [], 'no key of the deleted jobs (children, array state, dependents) is left');
    for (const key of ['gpubatch:jobs:all', 'gpubatch:jobs:finished', 'gpubatch:jobs:status:SUCCEEDED'])
      t.is(await client.zcard(key), 0, `${key} is empty`);
  },
);
