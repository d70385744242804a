import test from 'ava';
import { generateCluster, generateTrace } from '../../scheduler/sim/generate.ts';

test('the same options and seed give the same cluster and trace; another seed another', (t) => {
  t.deepEqual(generateCluster({ nodes: 50, seed: 7 }), generateCluster({ nodes: 50, seed: 7 }));
  t.deepEqual(generateTrace({ jobs: 200, seed: 7 }), generateTrace({ jobs: 200, seed: 7 }));
  t.notDeepEqual(generateTrace({ jobs: 200, seed: 7 }), generateTrace({ jobs: 200, seed: 8 }));
});

test('clusters are heterogeneous: several models, 2/4/8 GPUs, CPU and memory in proportion', (t) => {
  const nodes = generateCluster({ nodes: 400, seed: 1 });
  t.true(new Set(nodes.map((node) => node.gpus[0]!.model)).size >= 3);
  t.deepEqual([...new Set(nodes.map((node) => node.gpus.length))].sort(), [2, 4, 8]);
  for (const node of nodes) {
    t.is(node.cpuMilliTotal, node.gpus.length * 12_000);
    t.is(node.memoryMiBFree, node.memoryMiBTotal);
  }
});

test('the trace knobs set the share of each kind of job', (t) => {
  const jobs = generateTrace({
    jobs: 10_000,
    seed: 3,
    fractionalShare: 0.6,
    multiGpuShare: 0.1,
    cpuOnlyShare: 0.1,
    modelConstrainedShare: 0.5,
  });
  const share = (predicate: (job: (typeof jobs)[number]) => boolean) =>
    jobs.filter(predicate).length / jobs.length;
  t.true(Math.abs(share((job) => job.gpuMilli > 0) - 0.6) < 0.02);
  t.true(Math.abs(share((job) => job.numGpu > 1) - 0.1) < 0.02);
  t.true(Math.abs(share((job) => job.numGpu === 0 && job.gpuMilli === 0) - 0.1) < 0.02);
  t.true(Math.abs(share((job) => job.gpuModel.length > 0) - 0.45) < 0.03);
  t.true(jobs.every((job) => job.gpuMilli === 0 || (job.gpuMilli >= 100 && job.gpuMilli <= 900)));
  t.true(jobs.every((job, n) => n === 0 || job.submitTime >= jobs[n - 1]!.submitTime));
});
