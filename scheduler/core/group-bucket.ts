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

/** Free CPU in quarter octaves: a job skips the classes whose nodes all have less CPU than it needs. */
export function cpuClass(cpuMilliFree: number): number {
  if (Number.isNaN(cpuMilliFree)) return Number.MAX_SAFE_INTEGER; // the filters let NaN through: never skipped
  return cpuMilliFree >= 1 ? Math.floor(4 * Math.log2(cpuMilliFree)) : -1;
}

/** The lowest class that may hold a node with this much free CPU (one class of slack for rounding). */
export function lowestCpuClass(cpuMilli: number): number {
  return cpuMilli > 1 ? Math.floor(4 * Math.log2(cpuMilli)) - 1 : Number.NEGATIVE_INFINITY;
}

/** One bucket of the index, split by the groups' free CPU class (cpuClass): in a full cluster CPU binds first. */
export class CpuSplitBucket {
  readonly #byClass = new Map<number, GroupBucket>();
  /** The classes and their buckets in the order they came, for visit(): iterating the Map allocates an entry
   * per class, and visits are the placement hot loop. */
  readonly #classes: number[] = [];
  readonly #buckets: GroupBucket[] = [];
  /** Every group, in the order they came: what groups() gives (scorers scored node by node see that order). */
  readonly #all = new Set<NodeGroup>();

  get size(): number {
    return this.#all.size;
  }

  add(group: NodeGroup): void {
    let bucket = this.#byClass.get(group.cpuClass);
    if (bucket === undefined) {
      bucket = new GroupBucket();
      this.#byClass.set(group.cpuClass, bucket);
      this.#classes.push(group.cpuClass);
      this.#buckets.push(bucket);
    }
    bucket.add(group);
    this.#all.add(group);
  }

  delete(group: NodeGroup): void {
    const bucket = this.#byClass.get(group.cpuClass);
    if (bucket === undefined || !bucket.groups.has(group)) return;
    bucket.delete(group);
    this.#all.delete(group);
    // An emptied class is kept (there are a few dozen at most): groups come back to it as nodes fill.
  }

  groups(): Iterable<NodeGroup> {
    return this.#all;
  }

  /** Calls visit for every group whose class and bucket maxima may hold the CPU and memory. */
  visit(cpuMilli: number, memoryMiB: number, visit: (group: NodeGroup) => void): void {
    const lowest = lowestCpuClass(cpuMilli);
    const classes = this.#classes;
    const buckets = this.#buckets;
    for (let n = 0; n < classes.length; n++) {
      const bucket = buckets[n]!;
      if (classes[n]! >= lowest && bucket.groups.size > 0 && bucket.mayHold(cpuMilli, memoryMiB))
        bucket.visit(visit);
    }
  }
}
