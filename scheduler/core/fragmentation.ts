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

/**
 * nodeFragmentation over shapes already merged and normalized (toShapes): the scorers' hot path. What a
 * shape can use of the node's GPUs depends only on its GPU part (whole GPUs or share, models), so it is
 * computed once per distinct GPU part; the sum runs over the shapes in order, as the definition reads.
 */
export function fragmentationOfShapes(
  node: FragmentationNode,
  shapes: readonly WorkloadShape[],
  scope: FragmentationScope = 'all',
): number {
  let free = 0;
  for (const gpu of node.gpus) free += gpu.freeMilli;
  if (free === 0) return 0;
  const table = tableOf(shapes);
  const { classes, usable, capable } = table;
  for (let c = 0; c < classes.length; c++) {
    const gpuPart = classes[c]!;
    capable[c] = scope === 'all' || gpuCapable(node, gpuPart) ? 1 : 0;
    usable[c] = capable[c] === 1 ? usableGpus(node, gpuPart) : 0;
  }
  let fragmented = 0;
  for (let i = 0; i < shapes.length; i++) {
    const c = table.classOf[i]!;
    if (capable[c] === 0) continue;
    const shape = shapes[i]!;
    const fits = node.cpuMilliFree >= shape.cpuMilli && node.memoryMiBFree >= shape.memoryMiB;
    fragmented += shape.probability * (free - (fits ? usable[c]! : 0));
  }
  return fragmented;
}

/** A shape's GPU part: what decides which of a node's GPUs it can use. */
interface GpuPart {
  readonly gpus: number;
  readonly gpuMilli: number;
  readonly gpuModel: readonly string[];
}

/** Per shapes array: each shape's GPU part, and scratch space for one node at a time. */
interface ShapeTable {
  readonly classOf: Int32Array;
  readonly classes: readonly GpuPart[];
  readonly usable: Float64Array;
  readonly capable: Uint8Array;
}

const tables = new WeakMap<readonly WorkloadShape[], ShapeTable>();

function tableOf(shapes: readonly WorkloadShape[]): ShapeTable {
  let table = tables.get(shapes);
  if (table === undefined) {
    const byKey = new Map<string, number>();
    const classes: GpuPart[] = [];
    const classOf = new Int32Array(shapes.length);
    shapes.forEach((shape, i) => {
      const key = JSON.stringify([shape.gpus, shape.gpuMilli, shape.gpuModel]);
      let c = byKey.get(key);
      if (c === undefined) {
        c = classes.length;
        byKey.set(key, c);
        classes.push({ gpus: shape.gpus, gpuMilli: shape.gpuMilli, gpuModel: shape.gpuModel });
      }
      classOf[i] = c;
    });
    table = {
      classOf,
      classes,
      usable: new Float64Array(classes.length),
      capable: new Uint8Array(classes.length),
    };
    tables.set(shapes, table);
  }
  return table;
}

/** Could the task ever use this node's GPUs (asks for a GPU, and the node has an allowed model)? */
function gpuCapable(node: FragmentationNode, shape: GpuPart): boolean {
  if (shape.gpus === 0 && shape.gpuMilli === 0) return false;
  if (shape.gpuModel.length === 0) return true;
  for (const gpu of node.gpus) if (shape.gpuModel.includes(gpu.model)) return true;
  return false;
}

/** The free GPU milli on the node that a task with this GPU part could use, given its CPU and memory. */
function usableGpus(node: FragmentationNode, shape: GpuPart): number {
  if (shape.gpus === 0 && shape.gpuMilli === 0) return 0;
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
