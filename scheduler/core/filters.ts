// Filters say whether one node can hold a request; a failing filter returns a typed reason
// carrying this node's numbers, which explain.ts merges into the job's reason.
import { modelAllowed, wantsGpu, wantsGpuShare, wantsWholeGpus } from './request.ts';
import { MILLI_PER_GPU, type ResourceRequest, type UnschedulableReason } from './types.ts';
import type { ReadonlyWorkingNode } from './working-node.ts';

export interface Filter {
  readonly name: string;
  /** undefined when the node passes. */
  check(node: ReadonlyWorkingNode, request: ResourceRequest): UnschedulableReason | undefined;
}

export const nodeSchedulable: Filter = {
  name: 'node-schedulable',
  check: (node) => (node.unschedulable ? { kind: 'NoNodes' } : undefined),
};

export const gpuModelAllowed: Filter = {
  name: 'gpu-model',
  check(node, request) {
    if (!wantsGpu(request) || request.gpuModel.length === 0) return undefined;
    if (node.gpus.some((gpu) => modelAllowed(request, gpu.model))) return undefined;
    return { kind: 'GpuModelUnavailable', allowed: [...request.gpuModel], available: modelsOf(node) };
  },
};

export const enoughWholeGpus: Filter = {
  name: 'whole-gpus',
  check(node, request) {
    if (!wantsWholeGpus(request)) return undefined;
    const free = wholeFreeGpusAllowed(node, request);
    return free >= request.gpus
      ? undefined
      : { kind: 'InsufficientGpus', need: request.gpus, largestFree: free };
  },
};

export const enoughGpuShare: Filter = {
  name: 'gpu-share',
  check(node, request) {
    if (!wantsGpuShare(request)) return undefined;
    const largest = largestFreeShareAllowed(node, request);
    return largest >= request.gpuMilli
      ? undefined
      : { kind: 'InsufficientGpuShare', needMilli: request.gpuMilli, largestFreeMilli: largest };
  },
};

export const enoughCpu: Filter = {
  name: 'cpu',
  check: (node, request) =>
    node.cpuMilliFree >= request.cpuMilli
      ? undefined
      : { kind: 'InsufficientCpu', needMilli: request.cpuMilli, largestFreeMilli: node.cpuMilliFree },
};

export const enoughMemory: Filter = {
  name: 'memory',
  check: (node, request) =>
    node.memoryMiBFree >= request.memoryMiB
      ? undefined
      : { kind: 'InsufficientMemory', needMiB: request.memoryMiB, largestFreeMiB: node.memoryMiBFree },
};

/** In the order a node is checked: cheap eligibility first, then capacity. */
export const FILTERS: readonly Filter[] = [
  nodeSchedulable,
  gpuModelAllowed,
  enoughWholeGpus,
  enoughGpuShare,
  enoughCpu,
  enoughMemory,
];

/**
 * Whether the node passes every filter: the same answer as FILTERS, without building reasons (the hot
 * loop of every placement). A whole-GPU or share request that passes the capacity checks has a GPU of an
 * allowed model, so the model filter needs no separate check.
 */
export function passesAll(node: ReadonlyWorkingNode, request: ResourceRequest): boolean {
  if (node.unschedulable) return false;
  if (node.cpuMilliFree < request.cpuMilli || node.memoryMiBFree < request.memoryMiB) return false;
  if (request.gpus > 0) {
    if (request.gpuModel.length === 0) return node.wholeFreeGpus >= request.gpus;
    if (node.wholeFreeGpus < request.gpus) return false;
    return wholeFreeGpusAllowed(node, request) >= request.gpus;
  }
  if (request.gpuMilli > 0) return largestFreeShareAllowed(node, request) >= request.gpuMilli;
  return true;
}

export function failuresOf(node: ReadonlyWorkingNode, request: ResourceRequest): UnschedulableReason[] {
  const failures: UnschedulableReason[] = [];
  for (const filter of FILTERS) {
    const reason = filter.check(node, request);
    if (reason !== undefined) failures.push(reason);
  }
  return failures;
}

export function wholeFreeGpusAllowed(node: ReadonlyWorkingNode, request: ResourceRequest): number {
  if (request.gpuModel.length === 0) return node.wholeFreeGpus;
  let count = 0;
  for (const gpu of node.gpus) {
    if (gpu.freeMilli >= MILLI_PER_GPU && modelAllowed(request, gpu.model)) count++;
  }
  return count;
}

export function largestFreeShareAllowed(node: ReadonlyWorkingNode, request: ResourceRequest): number {
  if (request.gpuModel.length === 0) return node.largestFreeMilli;
  let largest = 0;
  for (const gpu of node.gpus) {
    if (modelAllowed(request, gpu.model) && gpu.freeMilli > largest) largest = gpu.freeMilli;
  }
  return largest;
}

function modelsOf(node: ReadonlyWorkingNode): string[] {
  return [...new Set(node.gpus.map((gpu) => gpu.model))].sort();
}
