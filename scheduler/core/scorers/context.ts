// Builds the scoring context of one placement engine: the workload distribution, memoized fragmentation
// per node state, and the seeded random source.
import { type FragmentationNode, fragmentationOfShapes } from '../fragmentation.ts';
import { seededRandom } from '../rng.ts';
import type { WorkingSnapshot } from '../snapshot.ts';
import { MILLI_PER_GPU, type WorkloadSample } from '../types.ts';
import type { ReadonlyWorkingNode } from '../working-node.ts';
import { GENERIC_WORKLOAD, toShapes, type WorkloadShape, workloadOfRunning } from '../workload.ts';
import type { Candidate, ScoringContext } from './scorer.ts';

export interface ContextOptions {
  workload?: readonly WorkloadSample[];
  seed?: number;
}

/**
 * Workload: `options.workload` when given; else the shapes of the snapshot's running jobs; else
 * GENERIC_WORKLOAD. Seed: `options.seed`, default 0.
 */
export function createScoringContext(working: WorkingSnapshot, options: ContextOptions = {}): ScoringContext {
  const given = options.workload !== undefined && options.workload.length > 0 ? options.workload : undefined;
  const running = workloadOfRunning(working.running);
  const workload = shapesOf(given ?? (running.length > 0 ? running : GENERIC_WORKLOAD));
  const memo = memoOf(workload);
  let largestNodeGpuMilli = MILLI_PER_GPU;
  for (const node of working.nodes) {
    largestNodeGpuMilli = Math.max(largestNodeGpuMilli, node.gpuMilliTotal);
  }
  return {
    workload,
    random: seededRandom(options.seed ?? 0),
    largestNodeGpuMilli,
    fragmentation: (node, scope = 'all') =>
      memo.get(node, scope, () => fragmentationOfShapes(node, workload, scope)),
    fragmentationAfter: (candidate, scope = 'all') =>
      memo.get(candidate.node, `${scope}>${placementKey(candidate)}`, () =>
        fragmentationOfShapes(stateAfter(candidate), workload, scope),
      ),
  };
}

// Engines are created often (per cycle, per what-if) over the same workload array: merge its shapes once.
const shapesByWorkload = new WeakMap<readonly WorkloadSample[], WorkloadShape[]>();

const memoByShapes = new WeakMap<readonly WorkloadShape[], StateMemo>();

function memoOf(shapes: readonly WorkloadShape[]): StateMemo {
  let memo = memoByShapes.get(shapes);
  if (memo === undefined) {
    memo = new StateMemo();
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

/**
 * Results per node state (its stateKey, a stored string whose hash V8 keeps), then per question (a short
 * key): nodes in one state share results, so they carry over between the jobs of a cycle, and between the
 * engines over one workload, while some node is in that state.
 */
class StateMemo {
  readonly #byState = new Map<string, Map<string, number>>();

  get(node: ReadonlyWorkingNode, key: string, compute: () => number): number {
    let values = this.#byState.get(node.stateKey);
    if (values === undefined) {
      if (this.#byState.size >= MEMO_STATES) this.#byState.clear();
      values = new Map();
      this.#byState.set(node.stateKey, values);
    }
    let value = values.get(key);
    if (value === undefined) {
      value = compute();
      values.set(key, value);
    }
    return value;
  }
}

/** States remembered before the memo starts over: bounds memory over long simulations. */
const MEMO_STATES = 100_000;

/** What a placement takes from a node, by GPU index. */
function placementKey({ request, gpus }: Candidate): string {
  return `${request.cpuMilli}/${request.memoryMiB}/${gpus.gpuMilliPerGpu}/${gpus.gpuIndices.join(',')}`;
}

/** The node's free capacity as it would be after the placement (the node itself is not changed). */
export function stateAfter({ node, request, gpus }: Candidate): FragmentationNode {
  return {
    gpus: node.gpus.map((gpu: ReadonlyWorkingNode['gpus'][number]) =>
      gpus.gpuIndices.includes(gpu.index)
        ? { model: gpu.model, freeMilli: gpu.freeMilli - gpus.gpuMilliPerGpu }
        : gpu,
    ),
    cpuMilliFree: node.cpuMilliFree - request.cpuMilli,
    memoryMiBFree: node.memoryMiBFree - request.memoryMiB,
  };
}
