// Which GPUs on a node a request takes: whole jobs take the lowest free indices; a share
// takes the allowed GPU with the least free share that still fits, so shares pack onto
// GPUs that are already shared and whole GPUs stay whole.
import { modelAllowed, wantsGpuShare, wantsWholeGpus } from './request.ts';
import { type GpuState, MILLI_PER_GPU, type ResourceRequest } from './types.ts';
import type { ReadonlyWorkingNode } from './working-node.ts';

export interface GpuChoice {
  gpuIndices: number[];
  /** 1000 for whole GPUs, the share for a share, 0 for a CPU-only job. */
  gpuMilliPerGpu: number;
}

const NO_GPUS: GpuChoice = { gpuIndices: [], gpuMilliPerGpu: 0 };

/** undefined when the node cannot give the request its GPUs. Node GPUs are sorted by index. */
export function chooseGpus(node: ReadonlyWorkingNode, request: ResourceRequest): GpuChoice | undefined {
  if (wantsWholeGpus(request)) return chooseWholeGpus(node, request);
  if (wantsGpuShare(request)) return chooseGpuShare(node, request);
  return NO_GPUS;
}

function chooseWholeGpus(node: ReadonlyWorkingNode, request: ResourceRequest): GpuChoice | undefined {
  const gpuIndices: number[] = [];
  for (const gpu of node.gpus) {
    if (gpu.freeMilli >= MILLI_PER_GPU && modelAllowed(request, gpu.model)) {
      gpuIndices.push(gpu.index);
      if (gpuIndices.length === request.gpus) return { gpuIndices, gpuMilliPerGpu: MILLI_PER_GPU };
    }
  }
  return undefined;
}

function chooseGpuShare(node: ReadonlyWorkingNode, request: ResourceRequest): GpuChoice | undefined {
  let best: { index: number; freeMilli: number } | undefined;
  for (const gpu of node.gpus) {
    const fits = gpu.freeMilli >= request.gpuMilli && modelAllowed(request, gpu.model);
    // Strictly less keeps the lowest index among equally free GPUs.
    if (fits && (best === undefined || gpu.freeMilli < best.freeMilli)) best = gpu;
  }
  return best === undefined ? undefined : { gpuIndices: [best.index], gpuMilliPerGpu: request.gpuMilli };
}

/**
 * Every GPU choice worth scoring on the node, the default (tightest) one first. For a share, one per
 * distinct (model, free milli) among the GPUs it fits, lowest index for each, tightest first: GPUs with
 * equal model and free share are interchangeable. Whole GPUs and CPU-only jobs have the one default choice.
 */
export function everyGpuChoice(node: ReadonlyWorkingNode, request: ResourceRequest): GpuChoice[] {
  if (!wantsGpuShare(request)) {
    const only = chooseGpus(node, request);
    return only === undefined ? [] : [only];
  }
  const fitting: Readonly<GpuState>[] = [];
  for (const gpu of node.gpus) {
    if (gpu.freeMilli >= request.gpuMilli && modelAllowed(request, gpu.model)) fitting.push(gpu);
  }
  if (fitting.length > 1) fitting.sort((a, b) => a.freeMilli - b.freeMilli || a.index - b.index);
  const choices: GpuChoice[] = [];
  const kinds: Readonly<GpuState>[] = [];
  for (const gpu of fitting) {
    if (kinds.some((kind) => kind.freeMilli === gpu.freeMilli && kind.model === gpu.model)) continue;
    kinds.push(gpu);
    choices.push({ gpuIndices: [gpu.index], gpuMilliPerGpu: request.gpuMilli });
  }
  return choices;
}
