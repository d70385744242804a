// GPUs per pool and model for the gauges: total, held, free on schedulable nodes, and the free capacity
// the waiting jobs could not use where it lies (the FGD fragmentation measure).
import test from 'ava';
import { workloadOf } from '../../scheduler/core/index.ts';
import { gpuUsage } from '../../scheduler/metrics/gpu-usage.ts';
import { cordoned, gpuNode, gpuNodes, job, withGpuShareUsed, withUsedGpus } from '../support/builders.ts';

const nodes = gpuNodes(2, { gpus: 4, model: 'H100' });
/** node-0: GPUs 0 and 1 held; node-1: half of GPU 0 held. */
const free = [withUsedGpus(nodes[0]!, [0, 1]), withGpuShareUsed(nodes[1]!, 0, 500)];
const waiting = (...jobs: ReturnType<typeof job>[]) => workloadOf(jobs.map((j) => j.resources()));

test('allocated and free add up to the pool, a shared GPU counting its fraction', (t) => {
  t.deepEqual(gpuUsage('gpu', nodes, free, []), [
    { pool: 'gpu', model: 'H100', total: 8, allocated: 2.5, free: 5.5, fragmented: 0 },
  ]);
});

test('fragmented: free GPUs the waiting jobs cannot use where they are', (t) => {
  // A 4-GPU job fits neither node (2 and 3 whole GPUs free): all 5.5 free GPUs are stranded for it.
  t.is(gpuUsage('gpu', nodes, free, waiting(job().gpus(4)))[0]!.fragmented, 5.5);
  // A 1-GPU job can use every whole free GPU; only the half GPU is lost to it.
  t.is(gpuUsage('gpu', nodes, free, waiting(job().gpus(1)))[0]!.fragmented, 0.5);
  // Half the waiting jobs want 4 GPUs, half want 1: the expectation.
  const mixed = gpuUsage('gpu', nodes, free, waiting(job().gpus(4), job().gpus(1)))[0]!.fragmented;
  t.true(Math.abs(mixed - 3) < 1e-9, `${mixed}`);
});

test('a cordoned node counts in the total but its GPUs are not free, nor fragmented', (t) => {
  const [usage] = gpuUsage('gpu', nodes, [free[0]!, cordoned(free[1]!)], waiting(job().gpus(4)));
  t.like(usage, { total: 8, allocated: 2.5, free: 2, fragmented: 2 });
});

test('one row per GPU model of the pool', (t) => {
  const pool = [
    gpuNode({ name: 'h', gpus: 2, model: 'H100' }),
    gpuNode({ name: 'a', gpus: 4, model: 'A100' }),
  ];
  const used = [withUsedGpus(pool[0]!, [0]), pool[1]!];
  t.deepEqual(
    gpuUsage('mixed', pool, used, []).map(({ model, total, allocated, free }) => ({
      model,
      total,
      allocated,
      free,
    })),
    [
      { model: 'H100', total: 2, allocated: 1, free: 1 },
      { model: 'A100', total: 4, allocated: 0, free: 4 },
    ],
  );
});
