import test from 'ava';
import type { NodeState } from '../../scheduler/core/index.ts';
import { describeReason, schedule, type UnschedulableReason } from '../../scheduler/core/index.ts';
import type { JobBuilder } from '../support/builders.ts';
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

function reasonFor(nodes: NodeState[], pending: JobBuilder): UnschedulableReason | undefined {
  const result = schedule(snapshot(nodes), [pending.id('waiting').build()]);
  return result.unschedulable.find((u) => u.jobId === 'waiting')?.reason;
}

test('no nodes at all', (t) => {
  const reason = reasonFor([], job().gpus(1));
  t.deepEqual(reason, { kind: 'NoNodes' });
  t.is(describeReason(reason!), 'no nodes in the compute environment');
});

test('every node cordoned counts as no nodes', (t) => {
  t.deepEqual(reasonFor(gpuNodes(2).map(cordoned), job().cpu(1)), { kind: 'NoNodes' });
});

test('too few whole GPUs: the most free on any one node', (t) => {
  const nodes = [
    withUsedGpus(gpuNode({ gpus: 8 }), [0, 1, 2, 3, 4, 5]),
    withUsedGpus(gpuNode({ gpus: 4 }), [0, 1, 2]),
  ];
  const reason = reasonFor(nodes, job().gpus(4));
  t.deepEqual(reason, { kind: 'InsufficientGpus', need: 4, largestFree: 2 });
  t.is(describeReason(reason!), 'needs 4 GPUs, largest free on any node is 2');
});

test('a partly used GPU does not count as a free whole GPU', (t) => {
  const node = withGpuShareUsed(withUsedGpus(gpuNode({ gpus: 2 }), [0]), 1, 1);
  t.deepEqual(reasonFor([node], job().gpus(1)), { kind: 'InsufficientGpus', need: 1, largestFree: 0 });
});

test('one GPU reads in the singular', (t) => {
  t.is(
    describeReason({ kind: 'InsufficientGpus', need: 1, largestFree: 0 }),
    'needs 1 GPU, largest free on any node is 0',
  );
});

test('free whole GPUs are counted only on nodes with enough CPU and memory', (t) => {
  const manyGpusNoCpu = withUsed(gpuNode({ gpus: 8, cpuMilli: 8000 }), { cpuMilli: 8000 });
  const fewGpusRoomy = withUsedGpus(gpuNode({ gpus: 8, cpuMilli: 8000 }), [0, 1, 2, 3, 4, 5]);
  const reason = reasonFor([manyGpusNoCpu, fewGpusRoomy], job().gpus(4).cpu(1000));
  t.deepEqual(reason, { kind: 'InsufficientGpus', need: 4, largestFree: 2 });
});

test('GPU share too large for any GPU: the largest free share', (t) => {
  let node = withUsedGpus(gpuNode({ gpus: 3 }), [0]);
  node = withGpuShareUsed(node, 1, 750);
  node = withGpuShareUsed(node, 2, 900);
  const reason = reasonFor([node], job().gpuMilli(500));
  t.deepEqual(reason, { kind: 'InsufficientGpuShare', needMilli: 500, largestFreeMilli: 250 });
  t.is(describeReason(reason!), 'needs a 500-milli share of one GPU, largest free share is 250');
});

test('GPU model not in the cluster: allowed against available models', (t) => {
  const nodes = [...gpuNodes(2, { model: 'L4' }), gpuNode({ gpus: 0 })];
  const reason = reasonFor(nodes, job().gpus(1).gpuModel('H100', 'A100'));
  t.deepEqual(reason, { kind: 'GpuModelUnavailable', allowed: ['H100', 'A100'], available: ['L4'] });
  t.is(describeReason(reason!), 'needs GPU model H100 or A100, nodes have L4');
});

test('GPU model messages list several models and say when there are no GPUs', (t) => {
  t.is(
    describeReason({ kind: 'GpuModelUnavailable', allowed: ['H100'], available: ['A10', 'L4', 'T4'] }),
    'needs GPU model H100, nodes have A10, L4 and T4',
  );
  t.is(
    describeReason({ kind: 'GpuModelUnavailable', allowed: ['H100'], available: [] }),
    'needs GPU model H100, nodes have no GPUs',
  );
});

test('a GPU job on a cluster without GPUs and without a model choice is short of GPUs', (t) => {
  t.deepEqual(reasonFor([gpuNode({ gpus: 0 })], job().gpus(2)), {
    kind: 'InsufficientGpus',
    need: 2,
    largestFree: 0,
  });
});

test('an allowed model that is busy is a capacity reason, not a model reason', (t) => {
  const nodes = [
    withUsedGpus(gpuNode({ gpus: 2, model: 'H100' }), [0, 1]),
    gpuNode({ gpus: 8, model: 'L4' }),
  ];
  t.deepEqual(reasonFor(nodes, job().gpus(1).gpuModel('H100')), {
    kind: 'InsufficientGpus',
    need: 1,
    largestFree: 0,
  });
});

test('not enough CPU: the most free milli CPU on any node', (t) => {
  const nodes = [withUsed(gpuNode({ cpuMilli: 32_000 }), { cpuMilli: 16_000 }), gpuNode({ cpuMilli: 8000 })];
  const reason = reasonFor(nodes, job().gpus(1).cpu(64_000));
  t.deepEqual(reason, { kind: 'InsufficientCpu', needMilli: 64_000, largestFreeMilli: 16_000 });
  t.is(describeReason(reason!), 'needs 64000 milli CPU, largest free on any node is 16000');
});

test('not enough memory: whole GiB when exact, MiB otherwise', (t) => {
  const nodes = [gpuNode({ memoryMiB: 64 * 1024 })];
  const reason = reasonFor(nodes, job().memory(512 * 1024));
  t.deepEqual(reason, { kind: 'InsufficientMemory', needMiB: 524_288, largestFreeMiB: 65_536 });
  t.is(describeReason(reason!), 'needs 512 GiB of memory, largest free on any node is 64 GiB');
  t.is(
    describeReason({ kind: 'InsufficientMemory', needMiB: 1536, largestFreeMiB: 1024 }),
    'needs 1536 MiB of memory, largest free on any node is 1 GiB',
  );
});

test('when every node falls short twice, the constraint no node meets is named', (t) => {
  const node = withUsed(withUsedGpus(gpuNode({ gpus: 8, memoryMiB: 4096 }), [0, 1, 2, 3, 4, 5, 6]), {
    memoryMiB: 2048,
  });
  // GPUs: 1 free < 2; memory: 2048 free < 8192. Both bind; GPUs are named first.
  t.deepEqual(reasonFor([node], job().gpus(2).memory(8192)), {
    kind: 'InsufficientGpus',
    need: 2,
    largestFree: 1,
  });
  // Only memory binds alone once the GPU request fits.
  t.deepEqual(reasonFor([node], job().gpus(1).memory(8192)), {
    kind: 'InsufficientMemory',
    needMiB: 8192,
    largestFreeMiB: 2048,
  });
});

test('when each node lacks a different pair, the first constraint some node misses is named', (t) => {
  // Each node meets exactly one of GPUs, CPU, memory.
  const gpusOnly = withUsed(gpuNode({ name: 'g', gpus: 4, cpuMilli: 1000, memoryMiB: 1024 }), {});
  const cpuOnly = withUsedGpus(
    gpuNode({ name: 'c', gpus: 4, cpuMilli: 9000, memoryMiB: 1024 }),
    [0, 1, 2, 3],
  );
  const memoryOnly = withUsedGpus(
    gpuNode({ name: 'm', gpus: 4, cpuMilli: 1000, memoryMiB: 9000 }),
    [0, 1, 2],
  );
  const reason = reasonFor([gpusOnly, cpuOnly, memoryOnly], job().gpus(2).cpu(8000).memory(8000));
  t.deepEqual(reason, { kind: 'InsufficientGpus', need: 2, largestFree: 1 });
});
