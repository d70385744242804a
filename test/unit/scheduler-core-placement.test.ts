import test from 'ava';
import { schedule } from '../../scheduler/core/index.ts';
import {
  cordoned,
  gpuNode,
  gpuNodes,
  job,
  snapshot,
  withGpuShareUsed,
  withUsed,
  withUsedGpus,
} from '../support/builders.ts';

test('a whole-GPU job takes the lowest free GPU indices on its node', (t) => {
  const node = withUsedGpus(gpuNode({ name: 'n1', gpus: 8 }), [0, 2]);
  const result = schedule(snapshot(node), [job().id('j1').gpus(3).cpu(4000).memory(8192).build()]);
  t.deepEqual(result.placements, [
    { jobId: 'j1', node: 'n1', gpuIndices: [1, 3, 4], gpuMilliPerGpu: 1000, cpuMilli: 4000, memoryMiB: 8192 },
  ]);
  t.deepEqual(result.unschedulable, []);
});

test('a GPU share takes one GPU index and its milli', (t) => {
  const result = schedule(snapshot(gpuNode({ name: 'n1', gpus: 2 })), [job().id('j1').gpuMilli(250).build()]);
  t.like(result.placements[0], { node: 'n1', gpuIndices: [0], gpuMilliPerGpu: 250 });
});

test('capacity taken by one placement is seen by the next job in the same cycle', (t) => {
  const result = schedule(snapshot(gpuNodes(1, { gpus: 8 })), [
    job().id('first').gpus(6).build(),
    job().id('second').gpus(2).build(),
    job().id('third').gpus(1).build(),
  ]);
  t.deepEqual(
    result.placements.map((p) => [p.jobId, p.gpuIndices]),
    [
      ['first', [0, 1, 2, 3, 4, 5]],
      ['second', [6, 7]],
    ],
  );
  t.deepEqual(result.unschedulable, [
    { jobId: 'third', reason: { kind: 'InsufficientGpus', need: 1, largestFree: 0 } },
  ]);
});

test('GPU shares taken in the cycle add up on one GPU until it is full', (t) => {
  const result = schedule(
    snapshot(gpuNode({ gpus: 1 })),
    [600, 300, 200].map((milli, n) => job().id(`s${n}`).gpuMilli(milli).build()),
  );
  t.deepEqual(
    result.placements.map((p) => p.jobId),
    ['s0', 's1'],
  );
  t.deepEqual(result.unschedulable[0]?.reason, {
    kind: 'InsufficientGpuShare',
    needMilli: 200,
    largestFreeMilli: 100,
  });
});

test('best-fit packs a share onto the GPU that is already shared, on the same node', (t) => {
  const node = withGpuShareUsed(gpuNode({ name: 'n1', gpus: 4 }), 2, 500);
  const result = schedule(snapshot(node), [job().gpuMilli(400).build()]);
  t.deepEqual(result.placements[0]?.gpuIndices, [2]);
});

test('best-fit picks the shared GPU with the least free share that still fits', (t) => {
  let node = gpuNode({ name: 'n1', gpus: 4 });
  node = withGpuShareUsed(node, 0, 200); // 800 free
  node = withGpuShareUsed(node, 1, 700); // 300 free: too little
  node = withGpuShareUsed(node, 3, 500); // 500 free: tightest fit
  const result = schedule(snapshot(node), [job().gpuMilli(400).build()]);
  t.deepEqual(result.placements[0]?.gpuIndices, [3]);
});

test('best-fit packs a share onto another node whose GPU is already shared, keeping whole GPUs whole', (t) => {
  const empty = gpuNode({ name: 'empty', gpus: 8 });
  const shared = withGpuShareUsed(gpuNode({ name: 'shared', gpus: 8 }), 5, 500);
  const result = schedule(snapshot(empty, shared), [job().gpuMilli(500).build()]);
  t.like(result.placements[0], { node: 'shared', gpuIndices: [5] });
});

test('best-fit puts a whole-GPU job on the fuller node', (t) => {
  const emptier = withUsedGpus(gpuNode({ name: 'emptier', gpus: 8 }), [0]);
  const fuller = withUsedGpus(gpuNode({ name: 'fuller', gpus: 8 }), [0, 1, 2, 3, 4]);
  const result = schedule(snapshot(emptier, fuller), [job().gpus(2).build()]);
  t.like(result.placements[0], { node: 'fuller', gpuIndices: [5, 6] });
});

test('best-fit keeps a whole node free for a big job that comes later in the cycle', (t) => {
  const result = schedule(snapshot(gpuNodes(2, { gpus: 8 })), [
    job().id('small-1').priority(2).gpus(2).build(),
    job().id('small-2').priority(2).gpus(2).build(),
    job().id('big').priority(1).gpus(8).build(),
  ]);
  t.deepEqual(
    result.placements.map((p) => [p.jobId, p.node]),
    [
      ['small-1', 'node-0'],
      ['small-2', 'node-0'],
      ['big', 'node-1'],
    ],
  );
});

test('equal scores go to the node earlier in the snapshot', (t) => {
  const result = schedule(snapshot(gpuNodes(3, { namePrefix: 'n' })), [job().gpus(1).build()]);
  t.is(result.placements[0]?.node, 'n-0');
});

test('a CPU-only job runs on a node without GPUs and takes no GPU', (t) => {
  const cpuOnly = gpuNode({ name: 'cpu', gpus: 0 });
  const result = schedule(snapshot(cpuOnly), [job().cpu(2000).memory(4096).build()]);
  t.deepEqual(result.placements, [
    {
      jobId: result.placements[0]!.jobId,
      node: 'cpu',
      gpuIndices: [],
      gpuMilliPerGpu: 0,
      cpuMilli: 2000,
      memoryMiB: 4096,
    },
  ]);
});

test('a CPU-only job ignores the GPU model and the GPUs in use', (t) => {
  const allGpusBusy = withUsedGpus(gpuNode({ gpus: 2, model: 'L4' }), [0, 1]);
  const result = schedule(snapshot(allGpusBusy), [job().gpuModel('H100').build()]);
  t.is(result.placements.length, 1);
});

test('the GPU model filter places a job only on nodes with an allowed model', (t) => {
  const l4 = gpuNodes(2, { model: 'L4', namePrefix: 'l4' });
  const a100 = gpuNodes(1, { model: 'A100', namePrefix: 'a100' });
  const result = schedule(snapshot(l4, a100), [job().gpus(1).gpuModel('H100', 'A100').build()]);
  t.is(result.placements[0]?.node, 'a100-0');
});

test('on a node with mixed models, whole GPUs and shares come only from allowed models', (t) => {
  const mixed = {
    ...gpuNode({ name: 'mixed', gpus: 0 }),
    gpus: [
      { index: 0, model: 'L4', freeMilli: 1000 },
      { index: 1, model: 'H100', freeMilli: 1000 },
      { index: 2, model: 'L4', freeMilli: 500 },
      { index: 3, model: 'H100', freeMilli: 600 },
    ],
  };
  const result = schedule(snapshot(mixed), [
    job().id('whole').priority(1).gpus(1).gpuModel('H100').build(),
    job().id('share').gpuMilli(400).gpuModel('H100').build(),
  ]);
  t.deepEqual(
    result.placements.map((p) => p.gpuIndices),
    [[1], [3]],
  );
});

test('CPU and memory limit placement even when GPUs are free', (t) => {
  const lowCpu = withUsed(gpuNode({ name: 'low-cpu', cpuMilli: 16_000 }), { cpuMilli: 15_000 });
  const lowMemory = withUsed(gpuNode({ name: 'low-memory', memoryMiB: 65_536 }), { memoryMiB: 65_000 });
  const roomy = gpuNode({ name: 'roomy', cpuMilli: 8000, memoryMiB: 8192 });
  const result = schedule(snapshot(lowCpu, lowMemory, roomy), [job().gpus(1).cpu(4000).memory(4096).build()]);
  t.is(result.placements[0]?.node, 'roomy');
});

test('CPU and memory taken in the cycle are seen by the next job', (t) => {
  const node = gpuNode({ cpuMilli: 10_000, memoryMiB: 10_000 });
  const result = schedule(snapshot(node), [
    job().id('a').priority(2).cpu(6000).memory(1000).build(),
    job().id('b').priority(1).cpu(1000).memory(6000).build(),
    job().id('c').cpu(4000).memory(1000).build(),
  ]);
  t.deepEqual(
    result.placements.map((p) => p.jobId),
    ['a', 'b'],
  );
  t.deepEqual(result.unschedulable[0]?.reason, {
    kind: 'InsufficientCpu',
    needMilli: 4000,
    largestFreeMilli: 3000,
  });
});

test('a cordoned node takes no new work', (t) => {
  const result = schedule(snapshot(cordoned(gpuNode({ name: 'cordoned' })), gpuNode({ name: 'ready' })), [
    job().gpus(1).build(),
  ]);
  t.is(result.placements[0]?.node, 'ready');
});

test('schedule does not change its input snapshot or pending list', (t) => {
  const input = snapshot(withGpuShareUsed(gpuNode({ gpus: 2 }), 1, 300), gpuNodes(2));
  const pending = [job().gpus(2).build(), job().gpuMilli(500).build(), job().cpu(1000).build()];
  const before = structuredClone({ input, pending });
  const result = schedule(input, pending);
  t.is(result.placements.length, 3);
  t.deepEqual({ input, pending }, before);
});

test('the same input gives the same result', (t) => {
  const input = snapshot(gpuNodes(5, { gpus: 4 }), withGpuShareUsed(gpuNode({ name: 'shared' }), 3, 250));
  const pending = Array.from({ length: 40 }, (_, n) =>
    n % 3 === 0
      ? job()
          .gpuMilli(100 + (n % 7) * 100)
          .build()
      : job()
          .gpus(1 + (n % 4))
          .priority(n % 2)
          .build(),
  );
  t.deepEqual(schedule(input, pending), schedule(input, [...pending].reverse()));
});

test('an unknown scorer name is a configuration error', (t) => {
  t.throws(() => schedule(snapshot(gpuNodes(1)), [], { scorer: 'nope' }), {
    message: /unknown scorer "nope".*best-fit/,
  });
});
