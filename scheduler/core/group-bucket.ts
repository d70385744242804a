// A bucket of groups of equal nodes, with the most free CPU and memory any of its groups may have: a request
// needing more of either fits no node in it, so the search skips the bucket without visiting its groups.
import type { NodeGroup } from './node-index.ts';

export class GroupBucket {
  readonly groups = new Set<NodeGroup>();
  /**
   * At least the most free CPU (memory) of any group in the bucket: raised as groups come, exact again after
   * each full visit (visited()), left as it is when a group goes (still at least the most). Math.max keeps a
   * NaN, which skips nothing, as the filters would let a NaN through.
   */
  maxCpuMilliFree = Number.NEGATIVE_INFINITY;
  maxMemoryMiBFree = Number.NEGATIVE_INFINITY;

  add(group: NodeGroup): void {
    this.groups.add(group);
    const node = group.members[0]!;
    this.maxCpuMilliFree = Math.max(this.maxCpuMilliFree, node.cpuMilliFree);
    this.maxMemoryMiBFree = Math.max(this.maxMemoryMiBFree, node.memoryMiBFree);
  }

  delete(group: NodeGroup): void {
    this.groups.delete(group);
  }

  /** Whether some node in the bucket may have this much CPU and memory free. */
  mayHold(cpuMilli: number, memoryMiB: number): boolean {
    return !(this.maxCpuMilliFree < cpuMilli || this.maxMemoryMiBFree < memoryMiB);
  }

  /** Calls visit for every group, and makes the maxima exact on the way. */
  visit(visit: (group: NodeGroup) => void): void {
    let cpu = Number.NEGATIVE_INFINITY;
    let memory = Number.NEGATIVE_INFINITY;
    for (const group of this.groups) {
      const node = group.members[0]!;
      cpu = Math.max(cpu, node.cpuMilliFree);
      memory = Math.max(memory, node.memoryMiBFree);
      visit(group);
    }
    this.maxCpuMilliFree = cpu;
    this.maxMemoryMiBFree = memory;
  }
}
