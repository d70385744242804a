import test from 'ava';
import { createSuggester, estimateStarts, whatWouldHelp } from '../../scheduler/core/index.ts';
import { cluster, gpuNode, gpuNodes, job, runningJob, snapshot, withUsedGpus } from '../support/builders.ts';

/** One 8-GPU node whose GPUs are all held by a job ending at `endsAt`. */
function fullNode(endsAt: number, now = 0) {
  return cluster(
    [gpuNode({ name: 'n' })],
    [runningJob().id('r').on('n', [0, 1, 2, 3, 4, 5, 6, 7]).endsAt(endsAt).build()],
    now,
  );
}

test('a job that fits now is estimated to start now', (t) => {
  const input = { ...snapshot(gpuNode()), now: 42 };
  t.deepEqual(estimateStarts(input, [job().id('j').gpus(1).build()]), { j: 42 });
});

test('a job waiting for capacity starts when the running job is expected to end', (t) => {
  t.deepEqual(estimateStarts(fullNode(100), [job().id('j').gpus(4).build()]), { j: 100 });
});

test('jobs queue behind each other: each starts when the one before it is expected to end', (t) => {
  const estimates = estimateStarts(fullNode(100), [
    job().id('first').submittedAt(1).gpus(8).expectedDuration(50).build(),
    job().id('second').submittedAt(2).gpus(8).expectedDuration(30).build(),
    job().id('third').submittedAt(3).gpus(8).build(),
  ]);
  t.deepEqual(estimates, { first: 100, second: 150, third: 180 });
});

test('the forecast backfills like the scheduler: a short job starts now ahead of a waiting big one', (t) => {
  const nodes = gpuNodes(1, { gpus: 8 });
  const running = [runningJob().id('r').on('node-0', [0, 1, 2, 3]).endsAt(100).build()];
  const estimates = estimateStarts(cluster(nodes, running), [
    job().id('big').submittedAt(1).gpus(8).expectedDuration(50).build(),
    job().id('short').submittedAt(2).gpus(4).expectedDuration(100).build(),
    job().id('long').submittedAt(3).gpus(4).expectedDuration(101).build(),
  ]);
  t.deepEqual(estimates, { big: 100, short: 0, long: 150 });
});

test('a job behind work that never ends, or beyond the horizon, has no estimate', (t) => {
  t.deepEqual(estimateStarts(fullNode(Number.POSITIVE_INFINITY), [job().id('j').gpus(1).build()]), {
    j: undefined,
  });
  t.deepEqual(estimateStarts(fullNode(5000), [job().id('j').gpus(1).build()], { horizonMs: 4999 }), {
    j: undefined,
  });
  t.deepEqual(estimateStarts(fullNode(5000), [job().id('j').gpus(1).build()], { horizonMs: 5000 }), {
    j: 5000,
  });
});

test('the cycle budget bounds the work: jobs not reached get no estimate', (t) => {
  const pending = Array.from({ length: 5 }, (_, n) =>
    job().id(`j${n}`).submittedAt(n).gpus(8).expectedDuration(10).build(),
  );
  const estimates = estimateStarts(fullNode(100), pending, { maxCycles: 3 });
  t.deepEqual(estimates, { j0: 100, j1: 110, j2: undefined, j3: undefined, j4: undefined });
});

test('a job that preempts is estimated to start now, once its victims are gone', (t) => {
  const input = cluster(
    [gpuNode({ name: 'n' })],
    [runningJob().id('v').on('n', [0, 1, 2, 3, 4, 5, 6, 7]).endsAt(1000).preemptible().build()],
    7,
  );
  t.deepEqual(estimateStarts(input, [job().id('u').priority(5).canPreempt().gpus(2).build()]), { u: 7 });
});

test('estimating does not change its input', (t) => {
  const input = fullNode(100);
  const pending = [job().id('j').gpus(4).expectedDuration(5).build()];
  const before = structuredClone({ input, pending });
  estimateStarts(input, pending);
  t.deepEqual({ input, pending }, before);
});

test('hint: a job held back only by its GPU model would fit now with any model', (t) => {
  const input = snapshot(
    withUsedGpus(gpuNode({ name: 'h', model: 'H100' }), [0, 1, 2, 3, 4, 5, 6, 7]),
    gpuNode({ name: 'a', model: 'A100' }),
  );
  t.deepEqual(whatWouldHelp(input, job().gpuModel('H100').gpus(2).build()), ['fits now with gpuModel any']);
});

test('hint: enough free GPUs in the cluster, but not on one node', (t) => {
  const nodes = gpuNodes(14, { gpus: 8 }).map((node) => withUsedGpus(node, [0, 1, 2, 3, 4, 5, 6]));
  t.deepEqual(whatWouldHelp(snapshot(nodes), job().gpus(2).build()), [
    'needs 2 GPUs on one node; 14 nodes have 1 free',
  ]);
});

test('hint: the most CPU or memory it could ask for and fit now', (t) => {
  const input = snapshot(gpuNode({ cpuMilli: 16_000, memoryMiB: 32 * 1024 }));
  t.deepEqual(whatWouldHelp(input, job().gpus(1).cpu(32_000).build()), [
    'fits now with cpuMilli 16000 or less',
  ]);
  t.deepEqual(
    whatWouldHelp(
      input,
      job()
        .gpus(1)
        .memory(64 * 1024)
        .build(),
    ),
    ['fits now with memoryMiB 32768 or less'],
  );
});

test('hint: a gang that fits across domains but not in one', (t) => {
  const input = snapshot(
    gpuNodes(1, { namePrefix: 'a', labels: { zone: 'a' } }),
    gpuNodes(1, { namePrefix: 'b', labels: { zone: 'b' } }),
  );
  t.deepEqual(whatWouldHelp(input, job().gang(2).sameLabel('zone').gpus(8).build()), [
    'fits now without sameLabel zone',
  ]);
});

test('no hints for a job that fits now, or when nothing cheap would help', (t) => {
  t.deepEqual(whatWouldHelp(snapshot(gpuNode()), job().gpus(8).build()), []);
  t.deepEqual(whatWouldHelp(fullNode(100), job().gpus(8).build()), []);
});

test('a suggester for many jobs gives the same hints as whatWouldHelp, job by job', (t) => {
  const nodes = gpuNodes(3, { gpus: 8 }).map((node) => withUsedGpus(node, [0, 1, 2, 3, 4, 5]));
  const input = snapshot(nodes);
  const jobs = [
    job().gpus(4).build(),
    job().gpus(1).build(),
    job().gpus(4).build(),
    job().gpus(2).cpu(999_000).build(),
  ];
  const suggest = createSuggester(input);
  t.deepEqual(
    jobs.map((j) => suggest(j)),
    jobs.map((j) => whatWouldHelp(input, j)),
  );
  t.deepEqual(suggest(jobs[0]!), ['needs 4 GPUs on one node; 3 nodes have 2 free']);
});

test('with many running jobs the forecast moves in steps of several ends: estimates may be late, never early', (t) => {
  const nodes = gpuNodes(8, { gpus: 8 });
  // 64 one-GPU jobs end at 10, 20, ..., 640; a step lets ceil(64 / 32) = 2 of them end.
  const running = nodes.flatMap((node, n) =>
    Array.from({ length: 8 }, (_, gpu) =>
      runningJob()
        .id(`r${n}-${gpu}`)
        .on(node.name, [gpu])
        .endsAt(10 * (n * 8 + gpu + 1))
        .build(),
    ),
  );
  const estimates = estimateStarts(cluster(nodes, running), [job().id('j').gpus(1).build()]);
  t.is(estimates['j'], 20, 'capacity first frees at 10; the first step ends at the second end');
});

test('a preemptor waiting for a victim that is stopping is estimated to start when its grace ends', (t) => {
  const input = cluster(
    [gpuNode({ name: 'n' })],
    [
      runningJob()
        .id('victim')
        .on('n', [0, 1, 2, 3, 4, 5, 6, 7])
        .preemptible()
        .stoppingFor('urgent', 5_000)
        .build(),
    ],
  );
  const urgent = job().id('urgent').priority(10).canPreempt().gpus(8).build();
  t.deepEqual(estimateStarts(input, [urgent]), { urgent: 5_000 });
});
