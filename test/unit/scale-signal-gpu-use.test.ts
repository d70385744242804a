// The scale signal's gpuUse: each node's GPUs as the leader's allocations use them, for `gpubatch pools`.
import test from 'ava';
import { computeScaleSignal } from '../../scheduler/scale-signal.ts';
import { cordoned, gpuNode, snapshot, withGpuShareUsed, withUsedGpus } from '../support/builders.ts';

test('gpuUse reports the used share of every GPU by index, whole, partly used and free', (t) => {
  const a = gpuNode({ name: 'a', gpus: 4 });
  const b = cordoned(gpuNode({ name: 'b', gpus: 2 }));
  const busy = snapshot(withGpuShareUsed(withUsedGpus(a, [0, 1]), 2, 250), b);

  const signal = computeScaleSignal('pool', [a, b], busy, [], { now: 5 });

  t.deepEqual(signal.gpuUse, [
    { node: 'a', usedMilli: [1000, 1000, 250, 0] },
    { node: 'b', unschedulable: true, usedMilli: [0, 0] },
  ]);
});

test('a node the snapshot leaves out (over maxNodes) shows as free', (t) => {
  const nodes = [gpuNode({ name: 'a', gpus: 1 }), gpuNode({ name: 'b', gpus: 1 })];
  const signal = computeScaleSignal('pool', nodes, snapshot(withUsedGpus(nodes[0]!, [0])), [], { now: 5 });
  t.deepEqual(
    signal.gpuUse?.map((use) => use.usedMilli),
    [[1000], [0]],
  );
});
