// The autoscaling signal: how many more nodes of the pool's shape would let the pending work run.
import test from 'ava';
import { commonShape, nodesToAdd } from '../../scheduler/core/scale-up.ts';
import { gpuNode, gpuNodes, job, snapshot, withUsedGpus } from '../support/builders.ts';

const eightGpu = gpuNode({ name: 'template', gpus: 8 });

test('no nodes are wanted when the pending work fits', (t) => {
  const result = nodesToAdd(snapshot(gpuNodes(2)), [job().gpus(8).build(), job().gpus(4).build()], eightGpu);
  t.deepEqual(result, { nodes: 0, placeable: 2, placedNow: 2 });
});

test('whole-node jobs on a full pool want one node each', (t) => {
  const full = gpuNodes(2).map((node) => withUsedGpus(node, [0, 1, 2, 3, 4, 5, 6, 7]));
  const pending = Array.from({ length: 5 }, () => job().gpus(8).build());
  t.is(nodesToAdd(snapshot(full), pending, eightGpu).nodes, 5);
});

test('small jobs are packed: twelve 2-GPU jobs want three 8-GPU nodes', (t) => {
  const pending = Array.from({ length: 12 }, () => job().gpus(2).build());
  t.like(nodesToAdd(snapshot([]), pending, eightGpu), { nodes: 3, placeable: 12, placedNow: 0 });
});

test('free capacity is used first: a half-free node takes two of the 2-GPU jobs', (t) => {
  const half = withUsedGpus(gpuNode({ name: 'busy' }), [0, 1, 2, 3]);
  const pending = Array.from({ length: 6 }, () => job().gpus(2).build());
  t.like(nodesToAdd(snapshot(half), pending, eightGpu), { nodes: 1, placedNow: 2 });
});

test("jobs the pool's node shape can never hold ask for no nodes", (t) => {
  const result = nodesToAdd(snapshot([]), [job().gpus(16).build(), job().gpus(1).build()], eightGpu);
  t.deepEqual(result, { nodes: 1, placeable: 1, placedNow: 0 });
  t.is(nodesToAdd(snapshot([]), [job().gpus(16).build()], eightGpu).nodes, 0);
});

test('a gang of four whole-node members wants four nodes', (t) => {
  t.is(nodesToAdd(snapshot([]), [job().gpus(8).gang(4).build()], eightGpu).nodes, 4);
});

test('the common shape is the most frequent one among the pool nodes', (t) => {
  const nodes = [...gpuNodes(3, { gpus: 8 }), gpuNode({ name: 'odd', gpus: 4 })];
  t.is(commonShape(nodes)?.gpus.length, 8);
  t.is(commonShape([]), undefined);
});
