import test from 'ava';
import { clusterFragmentation, nodeFragmentation, type WorkloadSample } from '../../scheduler/core/index.ts';
import { gpuNode, gpuNodes, job, withGpuShareUsed, withUsed, withUsedGpus } from '../support/builders.ts';

const sample = (builder: ReturnType<typeof job>, weight = 1): WorkloadSample => ({
  resources: builder.resources(),
  weight,
});

test('free share on GPUs too small for the task counts as fragmented', (t) => {
  let node = gpuNode({ gpus: 2 });
  node = withGpuShareUsed(node, 0, 500); // 500 free: too little for 600
  t.is(nodeFragmentation(node, [sample(job().gpuMilli(600).cpu(0).memory(0))]), 500);
  t.is(nodeFragmentation(node, [sample(job().gpuMilli(400).cpu(0).memory(0))]), 0);
});

test('for whole-GPU tasks, every partly used GPU is fragmented; too few whole GPUs make all of it', (t) => {
  const node = withGpuShareUsed(withUsedGpus(gpuNode({ gpus: 4 }), [0]), 1, 250); // free: 0, 750, 1000, 1000
  t.is(nodeFragmentation(node, [sample(job().gpus(2).cpu(0).memory(0))]), 750);
  t.is(nodeFragmentation(node, [sample(job().gpus(3).cpu(0).memory(0))]), 2750);
});

test('a node without the CPU, memory or GPU model a task needs is all fragmented for it, and so is a CPU-only task', (t) => {
  const node = withUsed(gpuNode({ gpus: 2, model: 'T4', cpuMilli: 8000 }), { cpuMilli: 7000 });
  t.is(nodeFragmentation(node, [sample(job().gpus(1).cpu(2000).memory(0))]), 2000);
  t.is(nodeFragmentation(node, [sample(job().gpus(1).gpuModel('A100').cpu(0).memory(0))]), 2000);
  t.is(nodeFragmentation(node, [sample(job().cpu(0).memory(0))]), 2000);
});

test('fragmentation is the expectation over the workload weights', (t) => {
  const node = withGpuShareUsed(gpuNode({ gpus: 1 }), 0, 500); // 500 free
  const workload = [
    sample(job().gpuMilli(600).cpu(0).memory(0), 3),
    sample(job().gpuMilli(200).cpu(0).memory(0), 1),
  ];
  t.is(nodeFragmentation(node, workload), 375);
});

test('cluster fragmentation sums the nodes and gives a percent of all GPU capacity', (t) => {
  const nodes = [withGpuShareUsed(gpuNode({ gpus: 2 }), 0, 500), ...gpuNodes(1, { gpus: 2 })];
  const result = clusterFragmentation(nodes, [sample(job().gpuMilli(600).cpu(0).memory(0))]);
  t.deepEqual(result, { fragmentedMilli: 500, capacityMilli: 4000, percent: 12.5 });
});
