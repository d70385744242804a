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
  let schedulable = 0;
  let modelFits = 0;
  const soleCount = [0, 0, 0, 0];
  const soleMax = [0, 0, 0, 0];
  const failCount = [0, 0, 0, 0];
  const failMax = [0, 0, 0, 0];
  const free = [0, 0, 0, 0];
  const fails = [false, false, false, false];
  for (const node of nodes) {
    if (node.unschedulable) continue;
    schedulable++;
    if (modelFilter && !hasAllowedModel(node, request)) continue;
    modelFits++;
    free[GPUS] = wholeGpus ? wholeFreeGpusAllowed(node, request) : 0;
    fails[GPUS] = wholeGpus && free[GPUS]! < request.gpus;
    free[SHARE] = share ? largestFreeShareAllowed(node, request) : 0;
    fails[SHARE] = share && free[SHARE]! < request.gpuMilli;
    free[CPU] = node.cpuMilliFree;
    fails[CPU] = node.cpuMilliFree < request.cpuMilli;
    free[MEMORY] = node.memoryMiBFree;
    fails[MEMORY] = node.memoryMiBFree < request.memoryMiB;
    let failures = 0;
    let only = -1;
    for (let kind = 0; kind < KINDS; kind++) {
      if (!fails[kind]) continue;
      failures++;
      only = kind;
      if (failCount[kind] === 0 || free[kind]! > failMax[kind]!) failMax[kind] = free[kind]!;
      failCount[kind]!++;
    }
    if (failures === 0) return undefined;
    if (failures === 1) {
      if (soleCount[only] === 0 || free[only]! > soleMax[only]!) soleMax[only] = free[only]!;
      soleCount[only]!++;
    }
  }
  if (schedulable === 0) return { kind: 'NoNodes' };
  if (modelFits === 0) {
    const available = new Set<string>();
    for (const node of nodes) {
      if (!node.unschedulable) for (const gpu of node.gpus) available.add(gpu.model);
    }
    return { kind: 'GpuModelUnavailable', allowed: [...request.gpuModel], available: [...available].sort() };
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
