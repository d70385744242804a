// Memoized fragmentation, keyed by exactly what fragmentationOfShapes reads of a node: its GPUs (model and
// free milli, in order) and, for each workload shape, whether the free CPU and memory cover the shape's. The
// GPUs are interned as one record per distinct list; the CPU and memory as their rank among the workload's
// distinct CPU and memory demands (equal ranks: every shape's fits test comes out the same). So nodes whose
// full states differ only in CPU or memory the workload cannot tell apart share a result, and so do a
// placement's "after" and the node's state once the placement is assumed: the same sum, bit for bit.
import { type FragmentationNode, type FragmentationScope, fragmentationOfShapes } from '../fragmentation.ts';
import { modelId, NumberTable } from '../number-table.ts';
import { MILLI_PER_GPU, type ResourceRequest } from '../types.ts';
import type { ReadonlyWorkingNode } from '../working-node.ts';
import type { WorkloadShape } from '../workload.ts';

/** One distinct list of GPUs (model, free milli, in index order), with its results. */
interface GpuList {
  /** By (CPU rank, memory rank, scope): see valueKey. */
  readonly values: Map<number, number>;
  /** By gpusKey of a placement: the list after it. */
  readonly after: Map<number, GpuList>;
}

/** What a node state (stateId) maps to. */
interface StateRecord {
  readonly gpus: GpuList;
  readonly cpuRank: number;
  readonly memoryRank: number;
}

/** Entries kept before a table starts over: bounds memory over long simulations. */
const MAX_ENTRIES = 100_000;
/** GPU indices gpusKey encodes as a bit mask (below this). */
const MASK_BITS = 16;

export class FragmentationMemo {
  readonly #shapes: readonly WorkloadShape[];
  /** Sorted distinct CPU milli and memory MiB the shapes ask for. */
  readonly #cpuSteps: Float64Array;
  readonly #memorySteps: Float64Array;
  /** GPU lists by their id in #listIds (model ids and free milli, in order). */
  readonly #listIds = new NumberTable();
  readonly #lists = new Map<number, GpuList>();
  readonly #states = new Map<number, StateRecord>();
  #lastStateId = -1;
  #lastState: StateRecord | undefined;

  constructor(shapes: readonly WorkloadShape[]) {
    this.#shapes = shapes;
    this.#cpuSteps = distinctSorted(shapes.map((shape) => shape.cpuMilli));
    this.#memorySteps = distinctSorted(shapes.map((shape) => shape.memoryMiB));
  }

  /** Fragmentation of the node as it is. */
  now(node: ReadonlyWorkingNode, scope: FragmentationScope): number {
    const state = this.#state(node);
    const key = this.#valueKey(state.cpuRank, state.memoryRank, scope);
    let value = state.gpus.values.get(key);
    if (value === undefined) {
      value = fragmentationOfShapes(node, this.#shapes, scope);
      state.gpus.values.set(key, value);
    }
    return value;
  }

  /** Fragmentation of the node as it would be after taking the request's CPU, memory and these GPUs. */
  after(
    node: ReadonlyWorkingNode,
    request: ResourceRequest,
    gpus: { readonly gpuIndices: readonly number[]; readonly gpuMilliPerGpu: number },
    scope: FragmentationScope,
  ): number {
    const cpuFree = node.cpuMilliFree - request.cpuMilli;
    const memoryFree = node.memoryMiBFree - request.memoryMiB;
    const placed = gpusKey(gpus.gpuIndices, gpus.gpuMilliPerGpu);
    if (placed < 0)
      return fragmentationOfShapes(stateAfter(node, gpus, cpuFree, memoryFree), this.#shapes, scope);
    const state = this.#state(node);
    let list = state.gpus.after.get(placed);
    if (list === undefined) {
      list = this.#list(gpusAfter(node, gpus));
      state.gpus.after.set(placed, list);
    }
    const key = this.#valueKey(rank(this.#cpuSteps, cpuFree), rank(this.#memorySteps, memoryFree), scope);
    let value = list.values.get(key);
    if (value === undefined) {
      value = fragmentationOfShapes(stateAfter(node, gpus, cpuFree, memoryFree), this.#shapes, scope);
      list.values.set(key, value);
    }
    return value;
  }

  #state(node: ReadonlyWorkingNode): StateRecord {
    const stateId = node.stateId;
    if (stateId === this.#lastStateId) return this.#lastState!;
    let state = this.#states.get(stateId);
    if (state === undefined) {
      if (this.#states.size >= MAX_ENTRIES) this.#states.clear();
      state = {
        gpus: this.#list(node.gpus),
        cpuRank: rank(this.#cpuSteps, node.cpuMilliFree),
        memoryRank: rank(this.#memorySteps, node.memoryMiBFree),
      };
      this.#states.set(stateId, state);
    }
    this.#lastStateId = stateId;
    this.#lastState = state;
    return state;
  }

  #list(gpus: FragmentationNode['gpus']): GpuList {
    const length = 2 * gpus.length;
    const table = this.#listIds;
    table.grow(length);
    const scratch = table.scratch;
    for (let g = 0; g < gpus.length; g++) {
      scratch[2 * g] = modelId(gpus[g]!.model);
      scratch[2 * g + 1] = gpus[g]!.freeMilli;
    }
    const id = table.id(length);
    let list = this.#lists.get(id);
    if (list === undefined) {
      if (this.#lists.size >= MAX_ENTRIES) this.#lists.clear();
      list = { values: new Map(), after: new Map() };
      this.#lists.set(id, list);
    }
    return list;
  }

  /** A small integer for (CPU rank, memory rank, scope). */
  #valueKey(cpuRank: number, memoryRank: number, scope: FragmentationScope): number {
    return ((cpuRank * (this.#memorySteps.length + 1) + memoryRank) << 1) | (scope === 'all' ? 0 : 1);
  }
}

/**
 * How many of the sorted steps are at most `free`: two amounts with the same rank pass `free >= step` for
 * exactly the same steps (NaN passes none, like rank 0).
 */
export function rank(steps: Float64Array, free: number): number {
  let low = 0;
  let high = steps.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (free >= steps[middle]!) low = middle + 1;
    else high = middle;
  }
  return low;
}

function distinctSorted(values: readonly number[]): Float64Array {
  return Float64Array.from(new Set(values)).sort();
}

/**
 * The GPUs a placement takes, as a small integer: share per GPU * 2^MASK_BITS + mask of GPU indices. -1 when
 * it cannot say it exactly (a fractional share, a GPU index of MASK_BITS or above).
 */
function gpusKey(gpuIndices: readonly number[], gpuMilliPerGpu: number): number {
  if (!(Number.isInteger(gpuMilliPerGpu) && gpuMilliPerGpu >= 0 && gpuMilliPerGpu <= MILLI_PER_GPU))
    return -1;
  let mask = 0;
  for (const index of gpuIndices) {
    if (!(Number.isInteger(index) && index >= 0 && index < MASK_BITS)) return -1;
    mask |= 1 << index;
  }
  return gpuMilliPerGpu * 2 ** MASK_BITS + mask;
}

function gpusAfter(
  node: ReadonlyWorkingNode,
  { gpuIndices, gpuMilliPerGpu }: { readonly gpuIndices: readonly number[]; readonly gpuMilliPerGpu: number },
): FragmentationNode['gpus'] {
  return node.gpus.map((gpu) =>
    gpuIndices.includes(gpu.index) ? { model: gpu.model, freeMilli: gpu.freeMilli - gpuMilliPerGpu } : gpu,
  );
}

function stateAfter(
  node: ReadonlyWorkingNode,
  gpus: { readonly gpuIndices: readonly number[]; readonly gpuMilliPerGpu: number },
  cpuMilliFree: number,
  memoryMiBFree: number,
): FragmentationNode {
  return { gpus: gpusAfter(node, gpus), cpuMilliFree, memoryMiBFree };
}
