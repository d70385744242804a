// The simulated cluster's free capacity: what the executor's allocations are in the real service. Starting
// a run takes its placements' capacity; ending or preempting it gives the capacity back.
import { MILLI_PER_GPU, type NodeState, type Placement } from '../core/types.ts';

export class CapacityLedger {
  /** Free capacity per node, in the snapshot's shape (schedule() copies it, never changes it). */
  readonly nodes: NodeState[];
  /** Every GPU of the cluster, counted whole. */
  readonly totalGpus: number;
  readonly #byName = new Map<string, NodeState>();
  #allocatedGpuMilli = 0;

  /** Copies the cluster, whose free capacity is taken as the starting point. */
  constructor(cluster: readonly NodeState[]) {
    this.nodes = cluster.map((node) => ({
      ...node,
      labels: { ...node.labels },
      gpus: node.gpus.map((gpu) => ({ ...gpu })),
    }));
    for (const node of this.nodes) {
      if (this.#byName.has(node.name)) throw new Error(`cluster has two nodes named ${node.name}`);
      this.#byName.set(node.name, node);
    }
    this.totalGpus = this.nodes.reduce((sum, node) => sum + node.gpus.length, 0);
  }

  /** GPUs in use now, in whole-GPU units (a quarter share counts 0.25). */
  get allocatedGpus(): number {
    return this.#allocatedGpuMilli / MILLI_PER_GPU;
  }

  take(placements: readonly Placement[]): void {
    for (const placement of placements) this.#apply(placement, -1);
  }

  give(placements: readonly Placement[]): void {
    for (const placement of placements) this.#apply(placement, 1);
  }

  #apply(placement: Placement, direction: 1 | -1): void {
    const node = this.#byName.get(placement.node);
    if (node === undefined)
      throw new Error(`placement of ${placement.jobId} on unknown node ${placement.node}`);
    for (const index of placement.gpuIndices) {
      const gpu = node.gpus.find((candidate) => candidate.index === index);
      if (gpu === undefined)
        throw new Error(`placement of ${placement.jobId}: ${node.name} has no GPU ${index}`);
      gpu.freeMilli += direction * placement.gpuMilliPerGpu;
      // The core must never over-commit: a negative free share means the replay would report nonsense.
      if (gpu.freeMilli < 0 || gpu.freeMilli > MILLI_PER_GPU)
        throw new Error(
          `placement of ${placement.jobId} leaves ${node.name} GPU ${index} at ${gpu.freeMilli} milli`,
        );
    }
    node.cpuMilliFree += direction * placement.cpuMilli;
    node.memoryMiBFree += direction * placement.memoryMiB;
    if (node.cpuMilliFree < 0 || node.memoryMiBFree < 0)
      throw new Error(`placement of ${placement.jobId} over-commits ${node.name}'s CPU or memory`);
    this.#allocatedGpuMilli -= direction * placement.gpuMilliPerGpu * placement.gpuIndices.length;
  }
}
