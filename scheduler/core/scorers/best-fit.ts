// best-fit: prefer the node (and GPU) that is fullest after the placement, so whole GPUs
// and whole nodes stay free for big jobs.
import { MILLI_PER_GPU, type ResourceRequest } from '../types.ts';
import { findGpu } from '../working-node.ts';
import type { Candidate, Scorer, ScoringContext } from './scorer.ts';

/** GPU packing decides for GPU jobs; CPU and memory only break near-ties. */
const GPU_WEIGHT = 90;
const RESOURCE_WEIGHT = 10;
/** For a share, filling an already-shared GPU matters more than which node it is on. */
const SHARED_GPU_WEIGHT = 0.8;

/** 0..100: how full the node (and, for a share, the chosen GPU) is after the placement. */
export function bestFitScore({ node, request, gpus }: Candidate): number {
  const resources = resourceUseAfter(node, request.cpuMilli, request.memoryMiB);
  if (gpus.gpuIndices.length === 0) return 100 * resources;
  const nodeGpuUse =
    (node.gpuMilliTotal - node.gpuMilliFree + gpus.gpuIndices.length * gpus.gpuMilliPerGpu) /
    node.gpuMilliTotal;
  let gpuTerm = nodeGpuUse;
  if (gpus.gpuMilliPerGpu < MILLI_PER_GPU) {
    const chosen = findGpu(node, gpus.gpuIndices[0]!)!;
    const chosenUse = (MILLI_PER_GPU - chosen.freeMilli + gpus.gpuMilliPerGpu) / MILLI_PER_GPU;
    gpuTerm = SHARED_GPU_WEIGHT * chosenUse + (1 - SHARED_GPU_WEIGHT) * nodeGpuUse;
  }
  return GPU_WEIGHT * gpuTerm + RESOURCE_WEIGHT * resources;
}

/** Above any rounding in bestFitScore (scores run 0..100), so the bound stays a bound. */
const ROUNDING_MARGIN = 1e-9;

/**
 * best-fit's score cannot exceed: GPU use after the placement of at most 1 - (free - taken) / capacity (a node
 * has at most the largest node's capacity), the chosen GPU's use at most 1, CPU and memory use as given.
 */
export function bestFitBound(
  request: ResourceRequest,
  minGpuMilliFree: number,
  maxResourceUse: number,
  context: ScoringContext,
): number {
  const taken = request.gpus > 0 ? request.gpus * MILLI_PER_GPU : request.gpuMilli;
  if (taken <= 0) return 100 * maxResourceUse + ROUNDING_MARGIN;
  const nodeGpuUse = 1 - Math.max(0, minGpuMilliFree - taken) / context.largestNodeGpuMilli;
  const gpuTerm = request.gpus > 0 ? nodeGpuUse : SHARED_GPU_WEIGHT + (1 - SHARED_GPU_WEIGHT) * nodeGpuUse;
  return GPU_WEIGHT * gpuTerm + RESOURCE_WEIGHT * maxResourceUse + ROUNDING_MARGIN;
}

export const bestFit: Scorer = {
  score: bestFitScore,
  gpuChoice: 'tightest',
  stateOnly: true,
  bound: bestFitBound,
};

/** Mean of CPU and memory use after the placement, 0..1; a dimension with no capacity counts as full. */
export function resourceUseAfter(node: Candidate['node'], cpuMilli: number, memoryMiB: number): number {
  const cpu =
    node.cpuMilliTotal > 0 ? (node.cpuMilliTotal - node.cpuMilliFree + cpuMilli) / node.cpuMilliTotal : 1;
  const memory =
    node.memoryMiBTotal > 0
      ? (node.memoryMiBTotal - node.memoryMiBFree + memoryMiB) / node.memoryMiBTotal
      : 1;
  return (cpu + memory) / 2;
}
