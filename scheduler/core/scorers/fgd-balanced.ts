// fgd-balanced (the previous default; fgd-sos adds to it): fgd-model-aware's descent of fragmentation, plus
// two terms FGD's one-step measure misses, each in GPU milli so they add to the fragmentation change:
// - stranding: the node's free GPU milli that its remaining CPU or memory could not feed at the workload's
//   average CPU and memory per GPU milli. FGD counts a GPU as fragmented for a task only once the node has
//   too little CPU or memory for that task; jobs that take more CPU per GPU than the node has (shares ask
//   for at least one GPU's worth) drain a node's CPU gradually, and FGD steers them into the same nodes
//   until the GPUs left there are unusable. Charging the projected stranding spreads CPU-hungry work over
//   nodes with CPU to spare: on the packing benchmark it removed nearly all CPU/memory-stranded GPUs
//   (docs/scheduler-core.md).
// - exact fill: a small bonus for a share that fills a shared GPU exactly, which closes the GPU.
// Best-fit still breaks exact ties. Cost: fgd-model-aware's memoized fragmentation plus O(1) arithmetic.
import { MILLI_PER_GPU } from '../types.ts';
import { findGpu, type ReadonlyWorkingNode } from '../working-node.ts';
import type { WorkloadShape } from '../workload.ts';
import { bestFitScore } from './best-fit.ts';
import type { Candidate, Scorer, ScoringContext } from './scorer.ts';

/** Milli of fragmentation per milli of projected stranded GPU (measured flat from 3 to 30). */
const STRANDING_WEIGHT = 10;
/** Milli of fragmentation a share that exactly fills a shared GPU is worth. */
const EXACT_FILL_MILLI = 20;
/** Small enough never to outweigh a difference above, large enough to order exact ties. */
const TIE_BREAK_WEIGHT = 1e-6;

/** CPU milli and memory MiB the workload's GPU tasks ask for per GPU milli (0: that dimension never binds). */
interface Appetite {
  cpuPerMilli: number;
  memoryPerMilli: number;
}

const appetites = new WeakMap<readonly WorkloadShape[], Appetite>();
/** The last workload asked about and its appetite: scoring asks about one workload many times in a row. */
let lastWorkload: readonly WorkloadShape[] | undefined;
let lastAppetite: Appetite | undefined;

export function appetiteOf(workload: readonly WorkloadShape[]): Appetite {
  if (workload === lastWorkload) return lastAppetite!;
  let appetite = appetites.get(workload);
  if (appetite === undefined) {
    let cpu = 0;
    let memory = 0;
    let gpuMilli = 0;
    for (const shape of workload) {
      const demand = shape.gpus > 0 ? shape.gpus * MILLI_PER_GPU : shape.gpuMilli;
      if (demand === 0) continue;
      cpu += shape.probability * shape.cpuMilli;
      memory += shape.probability * shape.memoryMiB;
      gpuMilli += shape.probability * demand;
    }
    appetite =
      gpuMilli === 0
        ? { cpuPerMilli: 0, memoryPerMilli: 0 }
        : { cpuPerMilli: cpu / gpuMilli, memoryPerMilli: memory / gpuMilli };
    appetites.set(workload, appetite);
  }
  lastWorkload = workload;
  lastAppetite = appetite;
  return appetite;
}

/** Free GPU milli beyond what the free CPU and memory could feed at the workload's appetite. */
export function strandedMilli(
  appetite: Appetite,
  gpuMilliFree: number,
  cpuMilliFree: number,
  memoryMiBFree: number,
): number {
  let fed = gpuMilliFree;
  if (appetite.cpuPerMilli > 0) fed = Math.min(fed, Math.max(0, cpuMilliFree) / appetite.cpuPerMilli);
  if (appetite.memoryPerMilli > 0) fed = Math.min(fed, Math.max(0, memoryMiBFree) / appetite.memoryPerMilli);
  return gpuMilliFree - fed;
}

function strandingIncrease({ node, request, gpus }: Candidate, appetite: Appetite): number {
  const taken = gpus.gpuIndices.length * gpus.gpuMilliPerGpu;
  return (
    strandedMilli(
      appetite,
      node.gpuMilliFree - taken,
      node.cpuMilliFree - request.cpuMilli,
      node.memoryMiBFree - request.memoryMiB,
    ) - strandedMilli(appetite, node.gpuMilliFree, node.cpuMilliFree, node.memoryMiBFree)
  );
}

function fillsSharedGpuExactly(
  node: ReadonlyWorkingNode,
  { gpuIndices, gpuMilliPerGpu }: Candidate['gpus'],
): boolean {
  if (gpuMilliPerGpu <= 0 || gpuMilliPerGpu >= MILLI_PER_GPU) return false;
  return findGpu(node, gpuIndices[0]!)?.freeMilli === gpuMilliPerGpu;
}

/** The placement's cost in GPU milli: fragmentation growth, weighted stranding growth, less the exact-fill bonus. */
export function fgdBalancedCost(candidate: Candidate, context: ScoringContext): number {
  const fragmentation =
    context.fragmentationAfter(candidate, 'gpu-capable') -
    context.fragmentation(candidate.node, 'gpu-capable');
  let cost = fragmentation + STRANDING_WEIGHT * strandingIncrease(candidate, appetiteOf(context.workload));
  if (fillsSharedGpuExactly(candidate.node, candidate.gpus)) cost -= EXACT_FILL_MILLI;
  return cost;
}

/** 0..100 around 50 for no cost, as the other FGD policies score; best-fit breaks exact ties. */
export function costScore(cost: number, candidate: Candidate, context: ScoringContext): number {
  return 50 * (1 - cost / context.largestNodeGpuMilli) + TIE_BREAK_WEIGHT * bestFitScore(candidate);
}

export const fgdBalanced: Scorer = {
  score: (candidate, context) => costScore(fgdBalancedCost(candidate, context), candidate, context),
  gpuChoice: 'every',
  stateOnly: true,
};
