import test from 'ava';
import fc from 'fast-check';
import { describeReason, distinctEmptyShapes, neverFits } from '../../scheduler/core/index.ts';
import {
  cordoned,
  gpuNode,
  gpuNodes,
  job,
  withGpuShareUsed,
  withUsed,
  withUsedGpus,
} from '../support/builders.ts';

const busyCluster = [
  withUsed(
    withUsedGpus(
      gpuNode({ name: 'busy', gpus: 8, cpuMilli: 64_000, memoryMiB: 262_144 }),
      [0, 1, 2, 3, 4, 5, 6, 7],
    ),
    {
      cpuMilli: 64_000,
      memoryMiB: 262_144,
    },
  ),
  cordoned(withGpuShareUsed(gpuNode({ name: 'cordoned', gpus: 4 }), 0, 900)),
];

test('a job that fits an empty node is accepted even when every node is busy or cordoned now', (t) => {
  t.is(neverFits(busyCluster, job().gpus(8).cpu(64_000).memory(262_144).resources()), undefined);
  t.is(neverFits(busyCluster, job().gpuMilli(1000).resources()), undefined);
  t.is(neverFits(busyCluster, job().cpu(1000).resources()), undefined);
});

test('no nodes: NoNodes', (t) => {
  t.deepEqual(neverFits([], job().gpus(1).resources()), { kind: 'NoNodes' });
});

test('more GPUs than any node has: the largest node GPU count', (t) => {
  const nodes = [...gpuNodes(3, { gpus: 4 }), ...gpuNodes(1, { gpus: 8, namePrefix: 'big' })];
  const reason = neverFits(nodes, job().gpus(16).resources());
  t.deepEqual(reason, { kind: 'InsufficientGpus', need: 16, largestFree: 8 });
  t.is(describeReason(reason!), 'needs 16 GPUs, largest free on any node is 8');
});

test('a share above one whole GPU never fits', (t) => {
  t.deepEqual(neverFits(gpuNodes(1), job().gpuMilli(1500).resources()), {
    kind: 'InsufficientGpuShare',
    needMilli: 1500,
    largestFreeMilli: 1000,
  });
});

test('a GPU model the environment lacks never fits', (t) => {
  t.deepEqual(neverFits(gpuNodes(2, { model: 'L4' }), job().gpus(1).gpuModel('H100').resources()), {
    kind: 'GpuModelUnavailable',
    allowed: ['H100'],
    available: ['L4'],
  });
});

test('more CPU than any node has in total never fits', (t) => {
  t.deepEqual(neverFits(gpuNodes(2, { cpuMilli: 32_000 }), job().cpu(48_000).resources()), {
    kind: 'InsufficientCpu',
    needMilli: 48_000,
    largestFreeMilli: 32_000,
  });
});

test('more memory than any node has in total never fits', (t) => {
  t.deepEqual(neverFits(gpuNodes(2, { memoryMiB: 65_536 }), job().gpus(1).memory(131_072).resources()), {
    kind: 'InsufficientMemory',
    needMiB: 131_072,
    largestFreeMiB: 65_536,
  });
});

test('GPUs and CPU must come from the same node', (t) => {
  const manyGpus = gpuNode({ name: 'gpus', gpus: 8, cpuMilli: 4000 });
  const manyCpus = gpuNode({ name: 'cpus', gpus: 1, cpuMilli: 96_000 });
  t.deepEqual(neverFits([manyGpus, manyCpus], job().gpus(4).cpu(32_000).resources()), {
    kind: 'InsufficientGpus',
    need: 4,
    largestFree: 1,
  });
});

test('neverFits does not change the nodes it is given', (t) => {
  const before = structuredClone(busyCluster);
  neverFits(busyCluster, job().gpus(2).resources());
  t.deepEqual(busyCluster, before);
});

test('a cluster of a few node types reduces to one node per type, busy or not', (t) => {
  const nodes = [
    ...gpuNodes(300, { gpus: 8 }),
    ...gpuNodes(200, { gpus: 4, model: 'A100', namePrefix: 'a100' }).map((node, i) =>
      i % 2 === 0 ? withUsedGpus(node, [0, 1]) : node,
    ),
    ...gpuNodes(2, { gpus: 8, labels: { zone: 'b' }, namePrefix: 'zone-b' }),
    cordoned(gpuNode({ name: 'cordoned', gpus: 8 })),
  ];
  t.deepEqual(
    distinctEmptyShapes(nodes).map((node) => node.name),
    ['node-0', 'a100-0', 'zone-b-0'],
  );
});

test('property: neverFits over the distinct shapes answers exactly as over every node', (t) => {
  const nodeArb = fc
    .record({
      gpus: fc.constantFrom(0, 1, 4, 8),
      model: fc.constantFrom('H100', 'A100'),
      cpuMilli: fc.constantFrom(8_000, 64_000),
      memoryMiB: fc.constantFrom(16_384, 262_144),
      zone: fc.constantFrom('a', 'b'),
      usedGpus: fc.nat(3),
    })
    .map((shape) =>
      withUsedGpus(
        gpuNode({ ...shape, labels: { zone: shape.zone } }),
        Array.from({ length: Math.min(shape.usedGpus, shape.gpus) }, (_, i) => i),
      ),
    );
  const requestArb = fc
    .record({
      gpus: fc.constantFrom(0, 1, 2, 8, 9),
      model: fc.constantFrom(undefined, 'A100', 'V100'),
      cpu: fc.constantFrom(1_000, 32_000, 100_000),
      memory: fc.constantFrom(1_024, 200_000, 300_000),
    })
    .map(({ gpus, model, cpu, memory }) => {
      const built = job().gpus(gpus).cpu(cpu).memory(memory);
      return (model ? built.gpuModel(model) : built).resources();
    });
  fc.assert(
    fc.property(fc.array(nodeArb, { maxLength: 30 }), requestArb, (nodes, request) => {
      t.deepEqual(neverFits(distinctEmptyShapes(nodes), request), neverFits(nodes, request));
    }),
  );
});
