// A mutable copy of one node that a cycle assumes placements into.
import { SHARED_STATE_IDS, type StateIds } from './state-ids.ts';
import { type GpuState, MILLI_PER_GPU, type NodeState } from './types.ts';

export interface WorkingNode {
  /** Position in the input snapshot: the deterministic tie-breaker between equal scores. */
  readonly position: number;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly unschedulable: boolean;
  /** Copies of the node's GPUs, sorted by device index; freeMilli changes as work is assumed. */
  readonly gpus: GpuState[];
  readonly cpuMilliTotal: number;
  cpuMilliFree: number;
  readonly memoryMiBTotal: number;
  memoryMiBFree: number;
  readonly gpuMilliTotal: number;
  gpuMilliFree: number;
  /** GPUs with nothing running on them (freeMilli === 1000): the index buckets nodes by this. */
  wholeFreeGpus: number;
  /** GPUs that are partly used but still have some share free. */
  partlyFreeGpus: number;
  /** The most free milli on one GPU (any model): the largest share the node can take. */
  largestFreeMilli: number;
  /**
   * A number per distinct capacity state (state-ids.ts): per-GPU index, model and free milli in index order,
   * CPU and memory free and total; names, labels and position are left out on purpose. Nodes with equal ids
   * score alike, so the index groups them, a policy scores a group once, and memos key on it. The same state
   * may get a new id after the table starts over; an id never names two states.
   */
  stateId: number;
}

export type ReadonlyWorkingNode = Readonly<Omit<WorkingNode, 'gpus'>> & {
  readonly gpus: readonly Readonly<GpuState>[];
};

export function toWorkingNode(
  node: NodeState,
  position: number,
  ids: StateIds = SHARED_STATE_IDS,
): WorkingNode {
  const gpus = node.gpus.map((gpu) => ({ ...gpu }));
  // Usually given in index order already: sorting anyway costs a work array per node, every cycle.
  if (!byIndex(gpus)) gpus.sort((a, b) => a.index - b.index);
  const working: WorkingNode = {
    position,
    name: node.name,
    labels: { ...node.labels },
    unschedulable: node.unschedulable === true,
    gpus,
    cpuMilliTotal: node.cpuMilliTotal,
    cpuMilliFree: node.cpuMilliFree,
    memoryMiBTotal: node.memoryMiBTotal,
    memoryMiBFree: node.memoryMiBFree,
    gpuMilliTotal: gpus.length * MILLI_PER_GPU,
    gpuMilliFree: 0,
    wholeFreeGpus: 0,
    partlyFreeGpus: 0,
    largestFreeMilli: 0,
    stateId: -1,
  };
  recount(working, ids);
  return working;
}

/** Whether the GPUs are in ascending index order (then the stable sort would leave them as they are). */
function byIndex(gpus: readonly GpuState[]): boolean {
  for (let n = 1; n < gpus.length; n++) if (!(gpus[n - 1]!.index <= gpus[n]!.index)) return false;
  return true;
}

/** The node as it would be with nothing running: what neverFits judges against. */
export function toEmptyWorkingNode(node: NodeState, position: number): WorkingNode {
  return toWorkingNode(
    {
      ...node,
      unschedulable: false,
      gpus: node.gpus.map((gpu) => ({ ...gpu, freeMilli: MILLI_PER_GPU })),
      cpuMilliFree: node.cpuMilliTotal,
      memoryMiBFree: node.memoryMiBTotal,
    },
    position,
  );
}

export function findGpu(node: ReadonlyWorkingNode, index: number): Readonly<GpuState> | undefined {
  return node.gpus.find((gpu) => gpu.index === index);
}

/** Recomputes the derived counters and the state id (from `ids`) after free capacity changed. */
export function recount(node: WorkingNode, ids: StateIds = SHARED_STATE_IDS): void {
  let whole = 0;
  let partly = 0;
  let free = 0;
  let largest = 0;
  for (const gpu of node.gpus) {
    free += gpu.freeMilli;
    if (gpu.freeMilli > largest) largest = gpu.freeMilli;
    if (gpu.freeMilli >= MILLI_PER_GPU) whole++;
    else if (gpu.freeMilli > 0) partly++;
  }
  node.wholeFreeGpus = whole;
  node.partlyFreeGpus = partly;
  node.gpuMilliFree = free;
  node.largestFreeMilli = largest;
  node.stateId = ids.of(node);
}
