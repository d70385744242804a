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
  const { classes, usable } = table;
  const uniform = uniformCapable(node, table);
  let capable: Uint8Array;
  if (uniform !== undefined) {
    // One model: a class can use the GPUs any model could, or none; work that out once per GPU amount.
    const { amounts, amountOf, amountUsable } = table;
    for (let a = 0; a < amounts.length; a++) amountUsable[a] = usableGpus(node, amounts[a]!);
    for (let c = 0; c < classes.length; c++) usable[c] = uniform[c] === 1 ? amountUsable[amountOf[c]!]! : 0;
    capable = scope === 'all' ? table.allCapable : uniform;
  } else {
    capable = table.capable;
    for (let c = 0; c < classes.length; c++) {
      capable[c] = scope === 'all' || gpuCapable(node, classes[c]!) ? 1 : 0;
      usable[c] = capable[c] === 1 ? usableGpus(node, classes[c]!) : 0;
    }
  }
  // The same sum, in the same order, as the per-shape definition: bit-for-bit equal results.
  const { classOf, probability, cpuMilli, memoryMiB } = table;
  const cpuFree = node.cpuMilliFree;
  const memoryFree = node.memoryMiBFree;
  let fragmented = 0;
  for (let i = 0; i < classOf.length; i++) {
    const c = classOf[i]!;
    if (capable[c] === 0) continue;
    const fits = cpuFree >= cpuMilli[i]! && memoryFree >= memoryMiB[i]!;
    fragmented += probability[i]! * (free - (fits ? usable[c]! : 0));
  }
  return fragmented;
}

/**
 * For a node whose GPUs are all of one model (undefined otherwise): which classes could ever use its GPUs
 * (they ask for a GPU and allow that model). Kept per model.
 */
function uniformCapable(node: FragmentationNode, table: ShapeTable): Uint8Array | undefined {
  const gpus = node.gpus;
  const model = gpus.length > 0 ? gpus[0]!.model : '';
  for (let g = 1; g < gpus.length; g++) if (gpus[g]!.model !== model) return undefined;
  let capable = table.capableByModel.get(model);
  if (capable === undefined) {
    capable = new Uint8Array(table.classes.length);
    for (let c = 0; c < table.classes.length; c++) capable[c] = gpuCapable(node, table.classes[c]!) ? 1 : 0;
    table.capableByModel.set(model, capable);
  }
  return capable;
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
  /** Scratch for nodes of several models. */
  readonly capable: Uint8Array;
  /** Every class capable: scope 'all'. */
  readonly allCapable: Uint8Array;
  /** Per GPU model, the capable classes of a node whose GPUs are all of that model. */
  readonly capableByModel: Map<string, Uint8Array>;
  /** The distinct GPU amounts (whole GPUs or share) of the classes, any model; each class's amount. */
  readonly amounts: readonly GpuPart[];
  readonly amountOf: Int32Array;
  /** Scratch: usable GPU milli per amount, for one node. */
  readonly amountUsable: Float64Array;
  /** Per shape, in order: its probability, CPU and memory. */
  readonly probability: Float64Array;
  readonly cpuMilli: Float64Array;
  readonly memoryMiB: Float64Array;
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
    const amountIds = new Map<string, number>();
    const amounts: GpuPart[] = [];
    const amountOf = Int32Array.from(classes, ({ gpus, gpuMilli }) => {
      const key = `${gpus}/${gpuMilli}`;
      let a = amountIds.get(key);
      if (a === undefined) {
        a = amounts.length;
        amountIds.set(key, a);
        amounts.push({ gpus, gpuMilli, gpuModel: [] });
      }
      return a;
    });
    table = {
      classOf,
      amounts,
      amountOf,
      amountUsable: new Float64Array(amounts.length),
      classes,
      usable: new Float64Array(classes.length),
      capable: new Uint8Array(classes.length),
      allCapable: new Uint8Array(classes.length).fill(1),
      capableByModel: new Map(),
      probability: Float64Array.from(shapes, (shape) => shape.probability),
      cpuMilli: Float64Array.from(shapes, (shape) => shape.cpuMilli),
      memoryMiB: Float64Array.from(shapes, (shape) => shape.memoryMiB),
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
