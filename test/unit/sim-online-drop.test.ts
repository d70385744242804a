import test from 'ava';
import { generateCluster, generateTrace } from '../../scheduler/sim/generate.ts';
import { runOnlineDrop } from '../../scheduler/sim/online-drop.ts';

const cluster = generateCluster({ nodes: 40, seed: 1 });
const trace = generateTrace({ jobs: 300, seed: 2, fractionalShare: 0.4 });

test('online-drop is deterministic for a seed', (t) => {
  const options = { policy: 'fgd-model-aware', inflate: 1.2, seed: 5 };
  t.deepEqual(runOnlineDrop(cluster, trace, options), runOnlineDrop(cluster, trace, options));
});

test('the curve has one point per whole percent of arrived demand, up to the inflation', (t) => {
  const result = runOnlineDrop(cluster, trace, { policy: 'best-fit', inflate: 1.2, seed: 5 });
  t.deepEqual(
    result.curve.map((point) => point.arrivedPct),
    Array.from({ length: 120 }, (_, n) => n + 1),
  );
  t.is(result.placed + result.dropped, result.arrived);
  // No departures: allocation only grows.
  t.true(
    result.curve.every((point, n) => n === 0 || point.allocatedPct >= result.curve[n - 1]!.allocatedPct),
  );
  t.true(result.dropped > 0, 'at 120% of capacity some tasks cannot fit');
  t.true(result.finalAllocatedPct <= 100);
});

test('fragmentation-aware packing leaves no more unallocated than random on the same arrivals', (t) => {
  const at100 = (policy: string) =>
    runOnlineDrop(cluster, trace, { policy, inflate: 1, seed: 5 }).curve.at(-1)!.allocatedPct;
  t.true(at100('fgd-model-aware') >= at100('random'));
});
