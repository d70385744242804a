// The Sum-of-Squares share rule of fgd-sos: the working snapshot's counts of partly used GPUs by model and
// free milli, and the GPU choice they steer.
import test from 'ava';
import fc from 'fast-check';
import {
  type NodeState,
  type Placement,
  schedule,
  WorkingSnapshot,
  workloadOf,
} from '../../scheduler/core/index.ts';
import { createPlacementEngine } from '../../scheduler/core/placement-engine.ts';
import { cordoned, gpuNode, job, snapshot, withGpuShareUsed } from '../support/builders.ts';

/** Counts from scratch: schedulable GPUs by "model:free milli", partly used ones only. */
function recount(working: WorkingSnapshot): Map<string, number> {
  const counts = new Map<string, number>();
  for (const node of working.nodes) {
    if (node.unschedulable) continue;
    for (const gpu of node.gpus) {
      if (gpu.freeMilli <= 0 || gpu.freeMilli >= 1000) continue;
      const key = `${gpu.model}:${gpu.freeMilli}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

function sumOfSquares(counts: Map<string, number>): number {
  let sum = 0;
  for (const count of counts.values()) sum += count * count;
  return sum;
}

function agrees(working: WorkingSnapshot): boolean {
  const counts = recount(working);
  for (const node of working.nodes) {
    for (const gpu of node.gpus) {
      const expected = counts.get(`${gpu.model}:${gpu.freeMilli}`) ?? 0;
      if (working.shareGaps.count(gpu.model, gpu.freeMilli) !== expected) return false;
    }
  }
  return true;
}

test('gaps are counted per model and free milli; whole, full and cordoned GPUs are not gaps', (t) => {
  const a = withGpuShareUsed(
    withGpuShareUsed(gpuNode({ name: 'a', gpus: 4, model: 'A100' }), 0, 300),
    1,
    300,
  );
  const b = withGpuShareUsed(gpuNode({ name: 'b', gpus: 2, model: 'T4' }), 0, 300);
  const off = cordoned(withGpuShareUsed(gpuNode({ name: 'off', gpus: 2, model: 'A100' }), 0, 300));
  const full = withGpuShareUsed(gpuNode({ name: 'full', gpus: 1, model: 'A100' }), 0, 1000);
  const { shareGaps } = new WorkingSnapshot(snapshot(a, b, off, full));
  t.is(shareGaps.count('A100', 700), 2);
  t.is(shareGaps.count('T4', 700), 1);
  t.is(shareGaps.count('A100', 1000), 0);
  t.is(shareGaps.count('A100', 0), 0);
  t.is(shareGaps.count('H100', 700), 0);
});

const arbitraryNode = fc
  .record({
    gpus: fc.constantFrom(1, 2, 4),
    model: fc.constantFrom('A100', 'T4'),
    used: fc.array(fc.constantFrom(0, 250, 500, 1000), { maxLength: 4 }),
    cordoned: fc.boolean(),
  })
  .map(
    ({ gpus, model, used, cordoned }): NodeState => ({
      ...gpuNode({ gpus, model }),
      unschedulable: cordoned,
      gpus: gpuNode({ gpus, model }).gpus.map((gpu) => ({
        ...gpu,
        freeMilli: 1000 - (used[gpu.index] ?? 0),
      })),
    }),
  );

/** A share or whole GPU on one node, as a step: assume it, release it, or roll back to a checkpoint. */
const arbitraryStep = fc.record({
  action: fc.constantFrom('assume', 'assume', 'release', 'rollback'),
  node: fc.nat(),
  gpu: fc.nat(),
  milli: fc.constantFrom(100, 250, 400, 1000),
});

test('the counts follow every assume, release and rollback', (t) => {
  fc.assert(
    fc.property(
      fc.array(arbitraryNode, { minLength: 1, maxLength: 6 }),
      fc.array(arbitraryStep, { maxLength: 30 }),
      (nodeShapes, steps) => {
        const nodes = nodeShapes.map((node, n) => ({ ...node, name: `n${n}` }));
        const working = new WorkingSnapshot({ nodes });
        const checkpoint = working.checkpoint();
        const taken: Placement[] = [];
        for (const step of steps) {
          const node = working.nodes[step.node % nodes.length]!;
          const gpu = node.gpus[step.gpu % node.gpus.length]!;
          const placement = {
            jobId: 'p',
            node: node.name,
            gpuIndices: [gpu.index],
            gpuMilliPerGpu: step.milli,
            cpuMilli: 0,
            memoryMiB: 0,
          };
          if (step.action === 'assume' && gpu.freeMilli >= step.milli) {
            working.assume(placement);
            taken.push(placement);
          } else if (step.action === 'release' && taken.length > 0) working.release(taken.pop()!);
          else if (step.action === 'rollback') {
            working.rollbackTo(checkpoint);
            taken.length = 0;
          }
          if (!agrees(working)) return false;
        }
        return true;
      },
    ),
    { numRuns: 300, seed: 3 },
  );
  t.pass();
});

test('sumOfSquaresIncrease is the change in the sum of squared counts when one GPU moves', (t) => {
  fc.assert(
    fc.property(
      fc.array(arbitraryNode, { minLength: 1, maxLength: 6 }),
      fc.nat(),
      fc.nat(),
      fc.constantFrom(100, 250, 500, 750),
      (nodeShapes, n, g, share) => {
        const nodes = nodeShapes.map((node, i) => ({ ...node, name: `n${i}` }));
        const working = new WorkingSnapshot({ nodes });
        const node = working.nodes[n % nodes.length]!;
        if (node.unschedulable) return true;
        const gpu = node.gpus[g % node.gpus.length]!;
        if (gpu.freeMilli < share) return true;
        const before = sumOfSquares(recount(working));
        const predicted = working.shareGaps.sumOfSquaresIncrease(
          gpu.model,
          gpu.freeMilli,
          gpu.freeMilli - share,
        );
        working.assume({
          jobId: 'p',
          node: node.name,
          gpuIndices: [gpu.index],
          gpuMilliPerGpu: share,
          cpuMilli: 0,
          memoryMiB: 0,
        });
        return sumOfSquares(recount(working)) - before === predicted;
      },
    ),
    { numRuns: 300, seed: 5 },
  );
  t.pass();
});

// A 200-milli share can close most of a GPU with 300 free (leaving 100) or open a whole GPU (leaving 800).
// Against a workload of 100, 200 and 800 shares, fragmentation prefers the shared GPU either way; the
// Sum-of-Squares term decides by how many GPUs already have 100 free.
function placeShare(gapsOf100: number, scorer: string): string | undefined {
  const shared = withGpuShareUsed(gpuNode({ name: 'shared', gpus: 1 }), 0, 700);
  const whole = gpuNode({ name: 'whole', gpus: 1 });
  const leftovers = Array.from({ length: gapsOf100 }, (_, n) =>
    withGpuShareUsed(gpuNode({ name: `left-${n}`, gpus: 1 }), 0, 900),
  );
  const workload = [100, 200, 800].map((milli) => ({
    resources: job().gpuMilli(milli).cpu(0).memory(0).resources(),
    weight: 1,
  }));
  const share = job().gpuMilli(200).cpu(0).memory(0).build();
  return schedule(snapshot(shared, whole, leftovers), [share], { scorer, workload }).placements[0]?.node;
}

test('fgd-sos opens a whole GPU rather than add to a leftover size many GPUs already have', (t) => {
  t.is(placeShare(5, 'fgd-balanced'), 'shared');
  t.is(placeShare(5, 'fgd-sos'), 'whole');
});

test('fgd-sos fills a shared GPU when the leftover it makes is rare', (t) => {
  t.is(placeShare(0, 'fgd-sos'), 'shared');
});

test('an engine reused across placements chooses as a fresh one: share scores are not remembered stale', (t) => {
  // fgd-sos scores a share by cluster-wide gap counts that every share placement changes, so a state's best
  // GPU for a share must not be remembered from an earlier search (state-bests.ts).
  const workload = workloadOf(
    [250, 400, 750].map((gpuMilli) => job().gpuMilli(gpuMilli).cpu(0).memory(0).build().resources),
  );
  fc.assert(
    fc.property(
      fc.array(arbitraryNode, { minLength: 1, maxLength: 6 }),
      fc.array(fc.constantFrom(100, 250, 400, 750), { minLength: 1, maxLength: 20 }),
      (nodeShapes, shares) => {
        const nodes = nodeShapes.map((node, i) => ({ ...node, name: `n${i}` }));
        const reused = new WorkingSnapshot({ nodes });
        const fresh = new WorkingSnapshot({ nodes });
        const engine = createPlacementEngine(reused, { scorer: 'fgd-sos', workload });
        for (const [n, gpuMilli] of shares.entries()) {
          const task = job().id(`s${n}`).gpuMilli(gpuMilli).cpu(0).memory(0).build();
          const a = engine.best(task);
          const b = createPlacementEngine(fresh, { scorer: 'fgd-sos', workload }).best(task);
          if (JSON.stringify(a) !== JSON.stringify(b)) return false;
          if (a === undefined) continue;
          reused.assume(a);
          fresh.assume(b!);
        }
        return true;
      },
    ),
    { numRuns: 300, seed: 5 },
  );
  t.pass();
});
