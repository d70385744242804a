// GPU fragmentation as the FGD paper measures it (Weng et al., "Beware of Fragmentation", USENIX ATC'23):
// a node's fragmentation is the free GPU capacity that a task drawn from the workload distribution could
// NOT use there, in expectation over the distribution. Free GPU milli counts as fragmented for a task when
// - the task asks for no GPU (it can never use them), or
// - the node lacks the CPU or memory the task needs, or has too few GPUs of an allowed model for it;
// - otherwise, for a share of g milli: the GPUs with less than g free (or of a model it does not allow);
//   for k whole GPUs: every GPU that is not whole free (or of a model it does not allow).
// The FGD scorer and the simulator both use these functions.
import { MILLI_PER_GPU, type WorkloadSample } from './types.ts';
import { toShapes, type WorkloadShape } from './workload.ts';

/** What fragmentation reads of a node: NodeState and working nodes both fit. */
export interface FragmentationNode {
  readonly gpus: readonly { readonly model: string; readonly freeMilli: number }[];
  readonly cpuMilliFree: number;
  readonly memoryMiBFree: number;
}

export interface ClusterFragmentation {
  /** Expected fragmented GPU capacity, in GPU milli. */
  fragmentedMilli: number;
  /** All GPUs of the cluster, in milli (free or not). */
  capacityMilli: number;
  /** fragmentedMilli as a percentage of capacityMilli (0 for a cluster without GPUs). */
  percent: number;
}

/** Expected fragmented GPU milli of one node against the workload. */
export function nodeFragmentation(node: FragmentationNode, workload: readonly WorkloadSample[]): number {
  return fragmentationOfShapes(node, toShapes(workload));
}

export function clusterFragmentation(
  nodes: readonly FragmentationNode[],
  workload: readonly WorkloadSample[],
): ClusterFragmentation {
  const shapes = toShapes(workload);
  let fragmentedMilli = 0;
  let capacityMilli = 0;
  for (const node of nodes) {
    fragmentedMilli += fragmentationOfShapes(node, shapes);
    capacityMilli += node.gpus.length * MILLI_PER_GPU;
  }
  return {
    fragmentedMilli,
    capacityMilli,
    percent: capacityMilli === 0 ? 0 : (100 * fragmentedMilli) / capacityMilli,
  };
}

/**
 * 'all': every task of the workload counts (the paper's measure). 'gpu-capable': only tasks that could ever
 * use this node's GPUs (they ask for a GPU, of a model the node has); the others would count the node's
 * whole free capacity as fragmented whatever is placed there.
 */
export type FragmentationScope = 'all' | 'gpu-capable';

/** nodeFragmentation over shapes already merged and normalized (toShapes): the scorers' hot path. */
export function fragmentationOfShapes(
  node: FragmentationNode,
  shapes: readonly WorkloadShape[],
  scope: FragmentationScope = 'all',
): number {
  let free = 0;
  for (const gpu of node.gpus) free += gpu.freeMilli;
  if (free === 0) return 0;
  let fragmented = 0;
  for (const shape of shapes) {
    if (scope === 'gpu-capable' && !gpuCapable(node, shape)) continue;
    fragmented += shape.probability * (free - usableBy(node, shape));
  }
  return fragmented;
}

/** Could the task ever use this node's GPUs (asks for a GPU, and the node has an allowed model)? */
function gpuCapable(node: FragmentationNode, shape: WorkloadShape): boolean {
  if (shape.gpus === 0 && shape.gpuMilli === 0) return false;
  if (shape.gpuModel.length === 0) return true;
  return node.gpus.some((gpu) => shape.gpuModel.includes(gpu.model));
}

/** The free GPU milli on the node that this task could use. */
function usableBy(node: FragmentationNode, shape: WorkloadShape): number {
  if (shape.gpus === 0 && shape.gpuMilli === 0) return 0;
  if (node.cpuMilliFree < shape.cpuMilli || node.memoryMiBFree < shape.memoryMiB) return 0;
  const anyModel = shape.gpuModel.length === 0;
  if (shape.gpus > 0) {
    let whole = 0;
    for (const gpu of node.gpus) {
      if (gpu.freeMilli >= MILLI_PER_GPU && (anyModel || shape.gpuModel.includes(gpu.model))) whole++;
    }
    return whole >= shape.gpus ? whole * MILLI_PER_GPU : 0;
  }
  let usable = 0;
  for (const gpu of node.gpus) {
    if (gpu.freeMilli >= shape.gpuMilli && (anyModel || shape.gpuModel.includes(gpu.model))) {
      usable += gpu.freeMilli;
    }
  }
  return usable;
}
