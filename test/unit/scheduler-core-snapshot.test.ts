import test from 'ava';
import {
  FILTERS,
  type Placement,
  type ResourceRequest,
  WorkingSnapshot,
} from '../../scheduler/core/index.ts';
import { gpuNode, gpuNodes, job, snapshot, withGpuShareUsed } from '../support/builders.ts';

function placement(
  node: string,
  gpuIndices: number[],
  gpuMilliPerGpu: number,
  cpuMilli = 0,
  memoryMiB = 0,
): Placement {
  return { jobId: 'p', node, gpuIndices, gpuMilliPerGpu, cpuMilli, memoryMiB };
}

function freeState(working: WorkingSnapshot) {
  return working.nodes.map((n) => ({
    gpus: n.gpus.map((g) => g.freeMilli),
    cpu: n.cpuMilliFree,
    memory: n.memoryMiBFree,
    whole: n.wholeFreeGpus,
  }));
}

test('assume takes capacity, and rollback to a checkpoint gives exactly it back', (t) => {
  const working = new WorkingSnapshot(snapshot(gpuNodes(2, { gpus: 4, cpuMilli: 8000, memoryMiB: 8192 })));
  const initial = freeState(working);
  working.assume(placement('node-0', [0, 1], 1000, 2000, 1024));
  const afterFirst = freeState(working);
  t.deepEqual(afterFirst[0], { gpus: [0, 0, 1000, 1000], cpu: 6000, memory: 7168, whole: 2 });

  const mark = working.checkpoint();
  working.assume(placement('node-1', [3], 250, 500, 512));
  working.release(placement('node-0', [0], 1000));
  t.deepEqual(freeState(working)[1], { gpus: [1000, 1000, 1000, 750], cpu: 7500, memory: 7680, whole: 3 });

  working.rollbackTo(mark);
  t.deepEqual(freeState(working), afterFirst);
  working.rollbackTo(0);
  t.deepEqual(freeState(working), initial);
});

test('a placement on an unknown node or GPU is a programming error', (t) => {
  const working = new WorkingSnapshot(snapshot(gpuNodes(1, { gpus: 2 })));
  t.throws(() => working.assume(placement('ghost', [0], 1000)), { message: /unknown node ghost/ });
  t.throws(() => working.assume(placement('node-0', [7], 1000)), { message: /has no GPU 7/ });
});

// A small seeded generator keeps this exploration reproducible.
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) % 2 ** 32;
    return state / 2 ** 32;
  };
}

test('the node index offers every node that passes the filters, through assumes and rollbacks', (t) => {
  const random = lcg(42);
  const nodes = [...gpuNodes(6, { gpus: 4 }), withGpuShareUsed(gpuNode({ name: 'shared', gpus: 2 }), 1, 600)];
  const working = new WorkingSnapshot(snapshot(nodes));
  const requests: ResourceRequest[] = [
    job().gpus(1).resources(),
    job().gpus(3).resources(),
    job().gpuMilli(300).resources(),
    job().gpuMilli(900).resources(),
    job().cpu(500).resources(),
  ];
  let checked = 0;
  for (let step = 0; step < 300; step++) {
    const node = working.nodes[Math.floor(random() * working.nodes.length)]!;
    const free = node.gpus.filter((g) => g.freeMilli > 0);
    const gpu = free[Math.floor(random() * free.length)];
    if (gpu !== undefined) {
      const milli = random() < 0.5 ? gpu.freeMilli : Math.ceil(gpu.freeMilli * random());
      working.assume(placement(node.name, [gpu.index], milli));
    }
    if (step % 50 === 49) working.rollbackTo(Math.floor(working.checkpoint() / 2));
    for (const request of requests) {
      const offered = new Set(working.candidates(request));
      for (const candidate of working.nodes) {
        if (FILTERS.every((f) => f.check(candidate, request) === undefined)) {
          t.true(
            offered.has(candidate),
            `${candidate.name} fits ${JSON.stringify(request)} but was not offered`,
          );
          checked++;
        }
      }
    }
  }
  t.true(checked > 1000, `only ${checked} fitting (node, request) pairs were checked`);
});
