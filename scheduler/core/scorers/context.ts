// Builds the scoring context of one placement engine: the workload distribution, memoized fragmentation
// per node state, and the seeded random source.
import { type FragmentationNode, type FragmentationScope, fragmentationOfShapes } from '../fragmentation.ts';
import { seededRandom } from '../rng.ts';
import type { WorkingSnapshot } from '../snapshot.ts';
import { MILLI_PER_GPU, type ResourceRequest, type WorkloadSample } from '../types.ts';
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
    shareGaps: working.shareGaps,
    fragmentation: (node, scope = 'all') => {
      const entry = memo.entry(node);
      const known = scope === 'all' ? entry.all : entry.gpuCapable;
      if (!Number.isNaN(known)) return known;
      const value = fragmentationOfShapes(node, workload, scope);
      if (scope === 'all') entry.all = value;
      else entry.gpuCapable = value;
      return value;
    },
    fragmentationAfter: (candidate, scope = 'all') => {
      const entry = memo.entry(candidate.node);
      const id = memo.requestId(candidate.request);
      const key = id < 0 ? -1 : gpusKey(candidate.gpus, scope);
      if (key < 0) {
        const text = stringKey(candidate, scope);
        entry.afterByString ??= new Map();
        let value = entry.afterByString.get(text);
        if (value === undefined) {
          value = fragmentationOfShapes(stateAfter(candidate), workload, scope);
          entry.afterByString.set(text, value);
        }
        return value;
      }
      let values = entry.after.get(id);
      if (values === undefined) {
        values = new Map();
        entry.after.set(id, values);
      }
      let value = values.get(key);
      if (value === undefined) {
        value = fragmentationOfShapes(stateAfter(candidate), workload, scope);
        values.set(key, value);
      }
      return value;
    },
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

/** What is known of one node state: its fragmentation (NaN until computed), and after each placement. */
interface StateEntry {
  all: number;
  gpuCapable: number;
  /** By the request's interned CPU and memory (StateMemo.requestId), then by gpusKey. */
  readonly after: Map<number, Map<number, number>>;
  /** By stringKey, for placements the numbers cannot say exactly. */
  afterByString?: Map<string, number>;
}

/** GPU indices gpusKey encodes as a bit mask (below this). */
const MASK_BITS = 16;

/**
 * The GPUs a placement takes and the scope, as a small integer (a V8 small integer, so Map lookups do not
 * allocate): (share per GPU * 2^MASK_BITS + mask of GPU indices) * 2 + scope. -1 when it cannot say it.
 */
function gpusKey({ gpuIndices, gpuMilliPerGpu }: Candidate['gpus'], scope: FragmentationScope): number {
  if (!(Number.isInteger(gpuMilliPerGpu) && gpuMilliPerGpu >= 0 && gpuMilliPerGpu <= MILLI_PER_GPU))
    return -1;
  let mask = 0;
  for (const index of gpuIndices) {
    if (!(Number.isInteger(index) && index >= 0 && index < MASK_BITS)) return -1;
    mask |= 1 << index;
  }
  return (gpuMilliPerGpu * 2 ** MASK_BITS + mask) * 2 + (scope === 'all' ? 0 : 1);
}

/** What a placement takes from a node, by GPU index, and the scope: the general key. */
function stringKey({ request, gpus }: Candidate, scope: FragmentationScope): string {
  return `${scope}>${request.cpuMilli}/${request.memoryMiB}/${gpus.gpuMilliPerGpu}/${gpus.gpuIndices.join(',')}`;
}

/** Request ids past this fall back to string keys (bounds the id space; ids stay small integers). */
const MAX_REQUEST_IDS = 2 ** 30 - 1;

/**
 * Results per node state (its stateId, a number per distinct stateKey), then per placement: nodes in
 * one state share results, so they carry over between the jobs of a cycle, and between the engines over
 * one workload, while some node is in that state. A placement is keyed by numbers, not a string built per
 * placement: an interned id of the request's CPU and memory, then gpusKey.
 */
class StateMemo {
  readonly #byState = new Map<number, StateEntry>();
  /** Interned (CPU milli, memory MiB) pairs: CPU, then memory, to a small id. */
  readonly #requestIds = new Map<number, Map<number, number>>();
  #nextRequestId = 0;
  #lastStateId = -1;
  #lastEntry: StateEntry | undefined;
  #lastRequest: ResourceRequest | undefined;
  #lastCpuMilli = 0;
  #lastMemoryMiB = 0;
  #lastRequestId = -1;

  entry(node: ReadonlyWorkingNode): StateEntry {
    const stateId = node.stateId;
    if (stateId === this.#lastStateId) return this.#lastEntry!;
    let entry = this.#byState.get(stateId);
    if (entry === undefined) {
      if (this.#byState.size >= MEMO_STATES) this.#byState.clear();
      entry = { all: Number.NaN, gpuCapable: Number.NaN, after: new Map() };
      this.#byState.set(stateId, entry);
    }
    this.#lastStateId = stateId;
    this.#lastEntry = entry;
    return entry;
  }

  /** The id of the request's (CPU milli, memory MiB); -1 once the ids run out. */
  requestId(request: ResourceRequest): number {
    const { cpuMilli, memoryMiB } = request;
    // The last request's values are compared too, so a request changed in place still gets its own id.
    if (request === this.#lastRequest && cpuMilli === this.#lastCpuMilli && memoryMiB === this.#lastMemoryMiB)
      return this.#lastRequestId;
    let byMemory = this.#requestIds.get(cpuMilli);
    if (byMemory === undefined) {
      byMemory = new Map();
      this.#requestIds.set(cpuMilli, byMemory);
    }
    let id = byMemory.get(memoryMiB);
    if (id === undefined) {
      id = this.#nextRequestId < MAX_REQUEST_IDS ? this.#nextRequestId++ : -1;
      if (id >= 0) byMemory.set(memoryMiB, id);
    }
    this.#lastRequest = request;
    this.#lastCpuMilli = cpuMilli;
    this.#lastMemoryMiB = memoryMiB;
    this.#lastRequestId = id;
    return id;
  }
}

/** States remembered before the memo starts over: bounds memory over long simulations. */
const MEMO_STATES = 100_000;

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
