// Why no node fits a request: the reason names the binding constraint with the numbers
// a user needs (what the job asks for, the most any suitable node has free).
import { largestFreeShareAllowed, wholeFreeGpusAllowed } from './filters.ts';
import { modelAllowed } from './request.ts';
import type { ResourceRequest, UnschedulableReason } from './types.ts';
import type { ReadonlyWorkingNode } from './working-node.ts';

type CapacityReason = Extract<
  UnschedulableReason,
  { kind: 'InsufficientGpus' | 'InsufficientGpuShare' | 'InsufficientCpu' | 'InsufficientMemory' }
>;

/** The capacity constraints, GPUs first (they are the scarce resource, so named first when several bind). */
const GPUS = 0;
const SHARE = 1;
const CPU = 2;
const MEMORY = 3;
const KINDS = 4;

/**
 * undefined when some node fits. Otherwise, in this order:
 * - NoNodes when no node is schedulable;
 * - GpuModelUnavailable when no schedulable node has a GPU of an allowed model;
 * - the first capacity constraint (GPUs, share, CPU, memory) that alone keeps some node
 *   out, with the largest free amount among nodes that meet every other request;
 * - else (every node falls short on two or more) the first constraint no node meets,
 *   with the largest free amount on any node;
 * - else the first constraint some node misses, with the largest free among those nodes.
 *
 * One pass, no allocation per node: every answer is an any, every or max over nodes, so nodes in equal
 * states may be passed once or many times (schedule() passes one node per capacity state).
 */
export function explainUnschedulable(
  nodes: readonly ReadonlyWorkingNode[],
  request: ResourceRequest,
): UnschedulableReason | undefined {
  const wholeGpus = request.gpus > 0;
  const share = !wholeGpus && request.gpuMilli > 0;
  const modelFilter = (wholeGpus || share) && request.gpuModel.length > 0;
  const tally = new Tally(request);
  for (const node of nodes) {
    if (node.unschedulable) continue;
    tally.schedulable++;
    if (modelFilter && !hasAllowedModel(node, request)) continue;
    const gpus = wholeGpus ? wholeFreeGpusAllowed(node, request) : 0;
    const largestShare = share ? largestFreeShareAllowed(node, request) : 0;
    if (tally.fits(gpus, largestShare, node.cpuMilliFree, node.memoryMiBFree)) return undefined;
  }
  return tally.reason(() => {
    const available = new Set<string>();
    for (const node of nodes) {
      if (!node.unschedulable) for (const gpu of node.gpus) available.add(gpu.model);
    }
    return [...available].sort();
  });
}

/** The free capacity of schedulable node states, one row per state (NodeIndex keeps it up to date). */
export interface CapacityColumns {
  readonly count: number;
  readonly wholeFreeGpus: Float64Array;
  readonly largestFreeMilli: Float64Array;
  readonly cpuMilliFree: Float64Array;
  readonly memoryMiBFree: Float64Array;
  /** Per GPU model: the row's GPUs of that model, how many are whole free, the most free milli on one. */
  readonly models: ReadonlyMap<string, ModelColumns>;
}

export interface ModelColumns {
  gpus: Float64Array;
  wholeFree: Float64Array;
  largestFree: Float64Array;
}

/** explainUnschedulable over the columns instead of the nodes: the same reason, from typed arrays. */
export function explainColumns(
  columns: CapacityColumns,
  request: ResourceRequest,
): UnschedulableReason | undefined {
  const wholeGpus = request.gpus > 0;
  const share = !wholeGpus && request.gpuMilli > 0;
  const models: ModelColumns[] = [];
  if ((wholeGpus || share) && request.gpuModel.length > 0) {
    for (const model of new Set(request.gpuModel)) {
      const ofModel = columns.models.get(model);
      if (ofModel !== undefined) models.push(ofModel);
    }
  }
  const modelFilter = (wholeGpus || share) && request.gpuModel.length > 0;
  const tally = new Tally(request);
  const { count, wholeFreeGpus, largestFreeMilli, cpuMilliFree, memoryMiBFree } = columns;
  tally.schedulable = count;
  for (let row = 0; row < count; row++) {
    let gpus = wholeGpus ? wholeFreeGpus[row]! : 0;
    let largestShare = share ? largestFreeMilli[row]! : 0;
    if (modelFilter) {
      let allowed = 0;
      gpus = 0;
      largestShare = 0;
      for (const ofModel of models) {
        allowed += ofModel.gpus[row]!;
        if (wholeGpus) gpus += ofModel.wholeFree[row]!;
        if (share && ofModel.largestFree[row]! > largestShare) largestShare = ofModel.largestFree[row]!;
      }
      if (allowed === 0) continue;
    }
    if (tally.fits(gpus, largestShare, cpuMilliFree[row]!, memoryMiBFree[row]!)) return undefined;
  }
  return tally.reason(() => {
    const available: string[] = [];
    for (const [model, ofModel] of columns.models) {
      for (let row = 0; row < count; row++) {
        if (ofModel.gpus[row]! > 0) {
          available.push(model);
          break;
        }
      }
    }
    return available.sort();
  });
}

/** What the one pass keeps: per constraint, how many nodes fail it (alone), and the most free among them. */
class Tally {
  readonly #request: ResourceRequest;
  readonly #wholeGpus: boolean;
  readonly #share: boolean;
  schedulable = 0;
  #modelFits = 0;
  readonly #soleCount = [0, 0, 0, 0];
  readonly #soleMax = [0, 0, 0, 0];
  readonly #failCount = [0, 0, 0, 0];
  readonly #failMax = [0, 0, 0, 0];

  constructor(request: ResourceRequest) {
    this.#request = request;
    this.#wholeGpus = request.gpus > 0;
    this.#share = !this.#wholeGpus && request.gpuMilli > 0;
  }

  /** Counts one node of an allowed model; true when it fails no constraint. */
  fits(gpus: number, largestShare: number, cpuMilliFree: number, memoryMiBFree: number): boolean {
    this.#modelFits++;
    const request = this.#request;
    let failures = 0;
    let only = -1;
    let onlyFree = 0;
    if (this.#wholeGpus && gpus < request.gpus) {
      failures++;
      only = GPUS;
      onlyFree = gpus;
      this.#fail(GPUS, gpus);
    }
    if (this.#share && largestShare < request.gpuMilli) {
      failures++;
      only = SHARE;
      onlyFree = largestShare;
      this.#fail(SHARE, largestShare);
    }
    if (cpuMilliFree < request.cpuMilli) {
      failures++;
      only = CPU;
      onlyFree = cpuMilliFree;
      this.#fail(CPU, cpuMilliFree);
    }
    if (memoryMiBFree < request.memoryMiB) {
      failures++;
      only = MEMORY;
      onlyFree = memoryMiBFree;
      this.#fail(MEMORY, memoryMiBFree);
    }
    if (failures === 0) return true;
    if (failures === 1) {
      if (this.#soleCount[only] === 0 || onlyFree > this.#soleMax[only]!) this.#soleMax[only] = onlyFree;
      this.#soleCount[only]!++;
    }
    return false;
  }

  #fail(kind: number, free: number): void {
    if (this.#failCount[kind] === 0 || free > this.#failMax[kind]!) this.#failMax[kind] = free;
    this.#failCount[kind]!++;
  }

  /** The reason once every node has been counted and none fits; `available` lists the nodes' GPU models. */
  reason(available: () => string[]): UnschedulableReason {
    const request = this.#request;
    if (this.schedulable === 0) return { kind: 'NoNodes' };
    if (this.#modelFits === 0) {
      return { kind: 'GpuModelUnavailable', allowed: [...request.gpuModel], available: available() };
    }
    for (let kind = 0; kind < KINDS; kind++) {
      if (this.#soleCount[kind]! > 0) return reasonOf(kind, request, this.#soleMax[kind]!);
    }
    for (let kind = 0; kind < KINDS; kind++) {
      if (this.#failCount[kind] === this.#modelFits) return reasonOf(kind, request, this.#failMax[kind]!);
    }
    for (let kind = 0; kind < KINDS; kind++) {
      if (this.#failCount[kind]! > 0) return reasonOf(kind, request, this.#failMax[kind]!);
    }
    throw new Error('unreachable: every node failed a filter, yet no failure was found');
  }
}

function hasAllowedModel(node: ReadonlyWorkingNode, request: ResourceRequest): boolean {
  for (const gpu of node.gpus) if (modelAllowed(request, gpu.model)) return true;
  return false;
}

function reasonOf(kind: number, request: ResourceRequest, largestFree: number): CapacityReason {
  switch (kind) {
    case GPUS:
      return { kind: 'InsufficientGpus', need: request.gpus, largestFree };
    case SHARE:
      return { kind: 'InsufficientGpuShare', needMilli: request.gpuMilli, largestFreeMilli: largestFree };
    case CPU:
      return { kind: 'InsufficientCpu', needMilli: request.cpuMilli, largestFreeMilli: largestFree };
    default:
      return { kind: 'InsufficientMemory', needMiB: request.memoryMiB, largestFreeMiB: largestFree };
  }
}
