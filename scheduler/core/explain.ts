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
 * arrays, with no allocation per row. A refused job reads every row (about 830 at the end of a best-fit 10k x
 * 1k cycle, which explains about 600 refusals), so the loop is kept lean: the tallies are plain locals, and a
 * request asks for at most one of whole GPUs and a share, so one GPU tally serves both, read from the one
 * column it needs.
 */
export function explainColumns(
  columns: CapacityColumns,
  request: ResourceRequest,
): UnschedulableReason | undefined {
  const wholeGpus = request.gpus > 0;
  const share = !wholeGpus && request.gpuMilli > 0;
  const gpuAsked = wholeGpus || share;
  const modelFilter = gpuAsked && request.gpuModel.length > 0;
  const models: ModelColumns[] = [];
  if (modelFilter) {
    for (const model of new Set(request.gpuModel)) {
      const ofModel = columns.models.get(model);
      if (ofModel !== undefined) models.push(ofModel);
    }
  }
  const { count, cpuMilliFree, memoryMiBFree } = columns;
  const gpuColumn = wholeGpus ? columns.wholeFreeGpus : columns.largestFreeMilli;
  const needGpu = wholeGpus ? request.gpus : request.gpuMilli;
  const { cpuMilli: needCpu, memoryMiB: needMemory } = request;
  // Per constraint: rows failing it alone (and the most free among them), rows failing it (and the most).
  let gpuSole = 0;
  let gpuSoleMax = 0;
  let gpuFail = 0;
  let gpuFailMax = 0;
  let cpuSole = 0;
  let cpuSoleMax = 0;
  let cpuFail = 0;
  let cpuFailMax = 0;
  let memorySole = 0;
  let memorySoleMax = 0;
  let memoryFail = 0;
  let memoryFailMax = 0;
  let modelFits = 0;
  for (let row = 0; row < count; row++) {
    let gpu = 0;
    if (modelFilter) {
      let allowed = 0;
      for (let m = 0; m < models.length; m++) {
        const ofModel = models[m]!;
        allowed += ofModel.gpus[row]!;
        if (wholeGpus) gpu += ofModel.wholeFree[row]!;
        else if (ofModel.largestFree[row]! > gpu) gpu = ofModel.largestFree[row]!;
      }
      if (allowed === 0) continue;
    } else if (gpuAsked) {
      gpu = gpuColumn[row]!;
    }
    modelFits++;
    const cpu = cpuMilliFree[row]!;
    const memory = memoryMiBFree[row]!;
    const gpuShort = gpuAsked && gpu < needGpu;
    const cpuShort = cpu < needCpu;
    const memoryShort = memory < needMemory;
    if (!(gpuShort || cpuShort || memoryShort)) return undefined;
    if (gpuShort) {
      if (gpuFail === 0 || gpu > gpuFailMax) gpuFailMax = gpu;
      gpuFail++;
      if (!(cpuShort || memoryShort)) {
        if (gpuSole === 0 || gpu > gpuSoleMax) gpuSoleMax = gpu;
        gpuSole++;
      }
    }
    if (cpuShort) {
      if (cpuFail === 0 || cpu > cpuFailMax) cpuFailMax = cpu;
      cpuFail++;
      if (!(gpuShort || memoryShort)) {
        if (cpuSole === 0 || cpu > cpuSoleMax) cpuSoleMax = cpu;
        cpuSole++;
      }
    }
    if (memoryShort) {
      if (memoryFail === 0 || memory > memoryFailMax) memoryFailMax = memory;
      memoryFail++;
      if (!(gpuShort || cpuShort)) {
        if (memorySole === 0 || memory > memorySoleMax) memorySoleMax = memory;
        memorySole++;
      }
    }
  }
  if (count === 0) return { kind: 'NoNodes' };
  if (modelFits === 0) {
    return { kind: 'GpuModelUnavailable', allowed: [...request.gpuModel], available: modelsOf(columns) };
  }
  // GPUs (whole or a share, whichever was asked), CPU, memory: the order in which binding constraints are named.
  const gpuKind = wholeGpus ? GPUS : SHARE;
  const kinds = [gpuKind, CPU, MEMORY];
  const soleCount = [gpuSole, cpuSole, memorySole];
  const soleMax = [gpuSoleMax, cpuSoleMax, memorySoleMax];
  const failCount = [gpuFail, cpuFail, memoryFail];
  const failMax = [gpuFailMax, cpuFailMax, memoryFailMax];
  for (let k = 0; k < 3; k++) {
    if (soleCount[k]! > 0) return reasonOf(kinds[k]!, request, soleMax[k]!);
  }
  for (let k = 0; k < 3; k++) {
    if (failCount[k] === modelFits) return reasonOf(kinds[k]!, request, failMax[k]!);
  }
  for (let k = 0; k < 3; k++) {
    if (failCount[k]! > 0) return reasonOf(kinds[k]!, request, failMax[k]!);
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
    default: // MEMORY
      return { kind: 'InsufficientMemory', needMiB: request.memoryMiB, largestFreeMiB: largestFree };
  }
}
