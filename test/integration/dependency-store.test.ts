// The Redis side of dependencies and arrays on its own: atomic creation, release within the limit,
// per-status counters kept by every record write.
import test from 'ava';
import { ARRAY_INDEX_PLACEHOLDERS } from '../../api/schemas/array-spec.ts';
import { type JobSpecInput, JobSpecSchema } from '../../api/schemas/job-spec.ts';
import { childId } from '../../scheduler/array-children.ts';
import { UnknownDependencyError } from '../../scheduler/store/errors.ts';
import { JobStore } from '../../scheduler/store/job-store.ts';
import { redisForFile } from '../support/redis-server.ts';

const redis = redisForFile(test);
let prefixes = 0;

/** A store of its own per test (key prefix), so tests run concurrently. */
const freshStore = () => new JobStore(redis.client, { prefix: `t${prefixes++}` });

const spec = (overrides: Partial<JobSpecInput> = {}) =>
  JobSpecSchema.parse({
    name: 'z',
    kind: 'kernel',
    kernel: 'standardize',
    input: 'in.npy',
    output: `out-${ARRAY_INDEX_PLACEHOLDERS[0]}.npy`,
    ...overrides,
  });

test('concurrent releases of an array never hand out more children than its limit', async (t) => {
  const store = freshStore();
  const { record } = await store.graph.createWithDependencies(spec({ arraySize: 50, maxConcurrent: 7 }));
  const batches = await Promise.all(Array.from({ length: 10 }, () => store.graph.releaseChildren(record.id)));
  const released = batches.flat();
  t.is(released.length, 7);
  t.is(new Set(released).size, 7);
  t.deepEqual(
    [...released].sort(),
    [0, 1, 2, 3, 4, 5, 6].map((i) => childId(record.id, i)).sort(),
    'lowest indexes first',
  );
  await store.transition(released[0]!, { from: ['PENDING'], to: 'FAILED', reason: 'x' });
  t.deepEqual(
    await store.graph.releaseChildren(record.id),
    [childId(record.id, 7)],
    'a finished child frees one slot',
  );
});

test('every status change of a child moves its parent counters, which always add up to the size', async (t) => {
  const store = freshStore();
  const { record } = await store.graph.createWithDependencies(spec({ arraySize: 4 }));
  const moves: [number, 'RUNNABLE' | 'STARTING' | 'SUCCEEDED' | 'FAILED'][] = [
    [0, 'RUNNABLE'],
    [0, 'STARTING'],
    [1, 'FAILED'],
    [0, 'SUCCEEDED'],
  ];
  for (const [index, to] of moves) {
    await store.transition(childId(record.id, index), {
      from: ['PENDING', 'RUNNABLE', 'STARTING'],
      to,
      reason: to,
    });
  }
  const summary = (await store.get(record.id))?.arrayProperties?.statusSummary ?? {};
  t.like(summary, { PENDING: 2, RUNNABLE: 0, STARTING: 0, SUCCEEDED: 1, FAILED: 1 });
  t.is(
    Object.values(summary).reduce((a, b) => a + b, 0),
    4,
  );
});

test('a child is stored without a spec, and read with its parent spec and index applied', async (t) => {
  const store = freshStore();
  const { record } = await store.graph.createWithDependencies(spec({ arraySize: 3 }));
  const raw = await redis.client.hget(store.keys.job(childId(record.id, 2)), 'json');
  t.false(raw?.includes('"spec"'), 'compact');
  t.true((raw?.length ?? 0) < 500, `${raw?.length} bytes`);
  const child = await store.get(childId(record.id, 2));
  t.is(child?.spec.output, 'out-2.npy');
  const updated = await store.transition(child!.id, { from: ['PENDING'], to: 'RUNNABLE', reason: 'go' });
  t.is(updated?.spec.output, 'out-2.npy');
  t.false(
    (await redis.client.hget(store.keys.job(child!.id), 'json'))?.includes('"spec"'),
    'still compact after a write',
  );
});

test('an unknown dependency stores nothing at all', async (t) => {
  const store = freshStore();
  const { record: known } = await store.create(spec({ output: 'o.npy' }));
  const error = await t.throwsAsync(
    store.graph.createWithDependencies(
      spec({ arraySize: 3, dependsOn: [{ jobId: known.id }, { jobId: 'nope' }] }),
    ),
    { instanceOf: UnknownDependencyError },
  );
  t.is(error.index, 1);
  t.deepEqual(await redis.client.zrange(store.keys.allJobs, '0', '-1'), [known.id]);
  t.is(await redis.client.scard(store.keys.dependents(known.id)), 0, 'no edge left behind');
});

test('untouched children fail in bulk with a valid record; touched ones are left to the caller', async (t) => {
  const store = freshStore();
  const { record: parent } = await store.graph.createWithDependencies(spec({ arraySize: 5 }));
  const { record: dependent } = await store.graph.createWithDependencies(
    spec({ output: 'd.npy', dependsOn: [{ jobId: childId(parent.id, 4) }] }),
  );
  await store.transition(childId(parent.id, 1), { from: ['PENDING'], to: 'RUNNABLE', reason: 'released' });
  await store.transition(childId(parent.id, 2), { from: ['PENDING'], to: 'SUCCEEDED', reason: 'done' });

  const left = await store.graph.failUntouchedChildren(parent, 'Cancelled: stop');

  t.deepEqual(left, [1], 'the RUNNABLE child is left; the finished one is not touched');
  const failed = await store.get(childId(parent.id, 4));
  t.like(failed, { status: 'FAILED', statusReason: 'Cancelled: stop', arrayProperties: { index: 4 } });
  t.deepEqual(
    failed?.events.map((e) => e.status),
    ['SUBMITTED', 'PENDING', 'FAILED'],
  );
  t.is(failed?.spec.output, 'out-4.npy');
  t.like((await store.get(parent.id))?.arrayProperties?.statusSummary, {
    PENDING: 0,
    RUNNABLE: 1,
    SUCCEEDED: 1,
    FAILED: 3,
  });
  t.deepEqual((await store.graph.readOutbox()).failed, [[dependent.id, childId(parent.id, 4)]]);
});
