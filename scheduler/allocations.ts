// Free capacity = the executor's nodes minus what running attempts hold (the "assume" side of
// assume -> bind -> roll back: capacity is taken when the core places a job, released when it ends).
import type { NodeState, Placement, Snapshot } from './core/types.ts';

export class Allocations {
  private readonly held = new Map<string, Placement>();

  hold(placement: Placement): void {
    this.held.set(placement.jobId, placement);
  }

  /** Idempotent: releasing twice (a failed bind, then the attempt's end) is harmless. */
  release(jobId: string): void {
    this.held.delete(jobId);
  }

  holds(jobId: string): boolean {
    return this.held.has(jobId);
  }

  get size(): number {
    return this.held.size;
  }

  snapshot(nodes: NodeState[]): Snapshot {
    const byName = new Map(nodes.map((node) => [node.name, structuredClone(node)]));
    for (const placement of this.held.values()) {
      const node = byName.get(placement.node);
      if (!node) continue;
      node.cpuMilliFree -= placement.cpuMilli;
      node.memoryMiBFree -= placement.memoryMiB;
      for (const index of placement.gpuIndices) {
        const gpu = node.gpus.find((g) => g.index === index);
        if (gpu) gpu.freeMilli -= placement.gpuMilliPerGpu;
      }
    }
    return { nodes: [...byName.values()] };
  }
}
