// Builds the scoring context of one placement engine: the workload distribution, memoized fragmentation
// (fragmentation-memo.ts), and the seeded random source.
import { seededRandom } from '../rng.ts';
import type { WorkingSnapshot } from '../snapshot.ts';
import { MILLI_PER_GPU, type WorkloadSample } from '../types.ts';
import { GENERIC_WORKLOAD, toShapes, type WorkloadShape, workloadOfRunning } from '../workload.ts';
import { FragmentationMemo } from './fragmentation-memo.ts';
import type { ScoringContext } from './scorer.ts';

export interface ContextOptions {
  workload?: readonly WorkloadSample[];
  seed?: number;
}

/**
 * Workload: `options.workload` when given; else the shapes of the snapshot's running jobs; else
 * GENERIC_WORKLOAD. Seed: `options.seed`, default 0.
 */
export function createScoringContext(working: WorkingSnapshot, options: ContextOptions = {}): ScoringContext {
  // The workload is merged only when a scorer first reads it: best-fit and the like never do.
  let workload: readonly WorkloadShape[] | undefined;
  let memo: FragmentationMemo | undefined;
  const shapes = () => {
    if (workload === undefined) {
      const given =
        options.workload !== undefined && options.workload.length > 0 ? options.workload : undefined;
      const running = workloadOfRunning(working.running);
      workload = shapesOf(given ?? (running.length > 0 ? running : GENERIC_WORKLOAD));
    }
    return workload;
  };
  const memoized = () => (memo ??= memoOf(shapes()));
  let largestNodeGpuMilli = MILLI_PER_GPU;
  for (const node of working.nodes) {
    largestNodeGpuMilli = Math.max(largestNodeGpuMilli, node.gpuMilliTotal);
  }
  return {
    get workload() {
      return shapes();
    },
    random: seededRandom(options.seed ?? 0),
    largestNodeGpuMilli,
    shareGaps: working.shareGaps,
    fragmentation: (node, scope = 'all') => memoized().now(node, scope),
    fragmentationAfter: ({ node, request, gpus }, scope = 'all') =>
      memoized().after(node, request, gpus, scope),
  };
}

// Engines are created often (per cycle, per what-if) over the same workload array: merge its shapes once.
const shapesByWorkload = new WeakMap<readonly WorkloadSample[], WorkloadShape[]>();

const memoByShapes = new WeakMap<readonly WorkloadShape[], FragmentationMemo>();

function memoOf(shapes: readonly WorkloadShape[]): FragmentationMemo {
  let memo = memoByShapes.get(shapes);
  if (memo === undefined) {
    memo = new FragmentationMemo(shapes);
    memoByShapes.set(shapes, memo);
  }
  return memo;
}

function shapesOf(samples: readonly WorkloadSample[]): WorkloadShape[] {
  let shapes = shapesByWorkload.get(samples);
  if (shapes === undefined) {
    shapes = toShapes(samples);
    shapesByWorkload.set(samples, shapes);
  }
  return shapes;
}
