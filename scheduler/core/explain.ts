// Why no node fits a request: the reason names the binding constraint with the numbers
// a user needs (what the job asks for, the most any suitable node has free).
import { CapacityTable } from './capacity-columns.ts';
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
 * Every answer is an any, every or max over nodes, so nodes in equal states may be passed once or many
 * times. The nodes are read into capacity columns and explained by explainColumns, the one implementation.
 */
export function explainUnschedulable(
  nodes: readonly ReadonlyWorkingNode[],
  request: ResourceRequest,
): UnschedulableReason | undefined {
  const columns = new CapacityTable();
  for (const node of nodes) if (!node.unschedulable) columns.add(node);
  return explainColumns(columns, request);
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

/**
 * explainUnschedulable over capacity columns (one row per schedulable node or state): one pass over typed
 * arrays, with no allocation per row.
 */
export function explainColumns(
  columns: CapacityColumns,
  request: ResourceRequest,
): UnschedulableReason | undefined {
  const wholeGpus = request.gpus > 0;
  const share = !wholeGpus && request.gpuMilli > 0;
  const modelFilter = (wholeGpus || share) && request.gpuModel.length > 0;
  const models: ModelColumns[] = [];
  if (modelFilter) {
    for (const model of new Set(request.gpuModel)) {
      const ofModel = columns.models.get(model);
      if (ofModel !== undefined) models.push(ofModel);
    }
  }
  const { count, wholeFreeGpus, largestFreeMilli, cpuMilliFree, memoryMiBFree } = columns;
  const { gpus: needGpus, gpuMilli: needShare, cpuMilli: needCpu, memoryMiB: needMemory } = request;
  // Per constraint: nodes failing it alone (and the most free among them), nodes failing it (and the most).
  const soleCount = new Float64Array(KINDS);
  const soleMax = new Float64Array(KINDS);
  const failCount = new Float64Array(KINDS);
  const failMax = new Float64Array(KINDS);
  const fail = (kind: number, free: number) => {
    if (failCount[kind] === 0 || free > failMax[kind]!) failMax[kind] = free;
    failCount[kind]!++;
  };
  let modelFits = 0;
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
    modelFits++;
    const cpu = cpuMilliFree[row]!;
    const memory = memoryMiBFree[row]!;
    let failures = 0;
    let only = -1;
    let onlyFree = 0;
    if (wholeGpus && gpus < needGpus) {
      failures++;
      only = GPUS;
      onlyFree = gpus;
      fail(GPUS, gpus);
    }
    if (share && largestShare < needShare) {
      failures++;
      only = SHARE;
      onlyFree = largestShare;
      fail(SHARE, largestShare);
    }
    if (cpu < needCpu) {
      failures++;
      only = CPU;
      onlyFree = cpu;
      fail(CPU, cpu);
    }
    if (memory < needMemory) {
      failures++;
      only = MEMORY;
      onlyFree = memory;
      fail(MEMORY, memory);
    }
    if (failures === 0) return undefined;
    if (failures === 1) {
      if (soleCount[only] === 0 || onlyFree > soleMax[only]!) soleMax[only] = onlyFree;
      soleCount[only]!++;
    }
  }
  if (count === 0) return { kind: 'NoNodes' };
  if (modelFits === 0) {
    return { kind: 'GpuModelUnavailable', allowed: [...request.gpuModel], available: modelsOf(columns) };
  }
  for (let kind = 0; kind < KINDS; kind++) {
    if (soleCount[kind]! > 0) return reasonOf(kind, request, soleMax[kind]!);
  }
  for (let kind = 0; kind < KINDS; kind++) {
    if (failCount[kind] === modelFits) return reasonOf(kind, request, failMax[kind]!);
  }
  for (let kind = 0; kind < KINDS; kind++) {
    if (failCount[kind]! > 0) return reasonOf(kind, request, failMax[kind]!);
  }
  throw new Error('unreachable: every node failed a filter, yet no failure was found');
}

/** The GPU models some row has, sorted. */
function modelsOf(columns: CapacityColumns): string[] {
  const available: string[] = [];
  for (const [model, ofModel] of columns.models) {
    for (let row = 0; row < columns.count; row++) {
      if (ofModel.gpus[row]! > 0) {
        available.push(model);
        break;
      }
    }
  }
  return available.sort();
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
