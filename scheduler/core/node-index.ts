// Groups schedulable nodes whose capacity state is equal (same stateId: they score alike) and buckets the
// groups by how many whole GPUs their nodes have free, and the groups with a partly used GPU but no whole
// free one by their largest free share. A job then visits only groups that could hold it, and a policy
// scores each group once: with 1,000 nodes there are far fewer distinct states than nodes (empty nodes,
// full nodes, common fill patterns). Every group is also bucketed by its mean CPU and memory use, for CPU-only
// jobs. Each bucket is split by free CPU, and each part knows the most CPU and memory free in it
// (group-bucket.ts).
import { CapacityTable } from './capacity-columns.ts';
import type { CapacityColumns } from './explain.ts';
import { CpuSplitBucket, cpuClass } from './group-bucket.ts';
import { MILLI_PER_GPU, type ResourceRequest } from './types.ts';
import type { WorkingNode } from './working-node.ts';

/** Schedulable nodes in the same capacity state. */
export interface NodeGroup {
  readonly stateId: number;
  /** Sorted by position, so members[0] is the one equal scores go to; never empty while indexed. */
  readonly members: WorkingNode[];
  readonly wholeFreeGpus: number;
  readonly partlyFreeGpus: number;
  readonly largestFreeMilli: number;
  /** Its row in the capacity columns (moves as other groups go). */
  row: number;
  /** Its bucket by mean CPU and memory use (resourceBucket), and within it by free CPU (cpuClass). */
  readonly resourceBucket: number;
  readonly cpuClass: number;
}

/** Groups with a partly used GPU and no whole free one are bucketed by their largest free share, in 8ths. */
const SHARE_BUCKETS = 8;

function shareBucket(milli: number): number {
  return Math.min(SHARE_BUCKETS - 1, Math.floor((milli * SHARE_BUCKETS) / 1000));
}

/** Every group is also bucketed by its nodes' mean CPU and memory use, in 64ths: CPU-only jobs search by it. */
const RESOURCE_BUCKETS = 64;

/** Mean of CPU and memory use now, 0..1 (a dimension with no capacity counts as full), as a bucket. */
function resourceBucket(node: WorkingNode): number {
  const cpu = node.cpuMilliTotal > 0 ? (node.cpuMilliTotal - node.cpuMilliFree) / node.cpuMilliTotal : 1;
  const memory =
    node.memoryMiBTotal > 0 ? (node.memoryMiBTotal - node.memoryMiBFree) / node.memoryMiBTotal : 1;
  const bucket = Math.floor(((cpu + memory) / 2) * RESOURCE_BUCKETS);
  // Above full (free beyond total) or unreadable: the top bucket, whose bound assumes nothing.
  return bucket >= 0 && bucket < RESOURCE_BUCKETS ? bucket : bucket < 0 ? 0 : RESOURCE_BUCKETS - 1;
}

export class NodeIndex {
  readonly #groups = new Map<number, NodeGroup>();
  /** byWholeFreeGpus[n]: groups whose nodes have exactly n whole GPUs free. */
  readonly #byWholeFreeGpus: CpuSplitBucket[] = [];
  /** byLargestShare[b]: groups with no whole free GPU, a partly free one, and shareBucket(largest free) = b. */
  readonly #byLargestShare: CpuSplitBucket[] = Array.from(
    { length: SHARE_BUCKETS },
    () => new CpuSplitBucket(),
  );
  /** byResourceUse[r]: every group whose resourceBucket is r. */
  readonly #byResourceUse: CpuSplitBucket[] = Array.from(
    { length: RESOURCE_BUCKETS },
    () => new CpuSplitBucket(),
  );
  /** The smallest positive CPU and memory totals of the nodes added: what a request adds to a node's use at most. */
  #smallestCpuTotal = Number.POSITIVE_INFINITY;
  #smallestMemoryTotal = Number.POSITIVE_INFINITY;
  readonly #columns = new CapacityTable();
  /** byRow[r]: the group whose capacity is row r of the columns. */
  readonly #byRow: NodeGroup[] = [];

  add(node: WorkingNode): void {
    if (node.unschedulable) return;
    if (node.cpuMilliTotal > 0 && node.cpuMilliTotal < this.#smallestCpuTotal)
      this.#smallestCpuTotal = node.cpuMilliTotal;
    if (node.memoryMiBTotal > 0 && node.memoryMiBTotal < this.#smallestMemoryTotal)
      this.#smallestMemoryTotal = node.memoryMiBTotal;
    let group = this.#groups.get(node.stateId);
    if (group === undefined) {
      group = {
        stateId: node.stateId,
        members: [],
        wholeFreeGpus: node.wholeFreeGpus,
        partlyFreeGpus: node.partlyFreeGpus,
        largestFreeMilli: node.largestFreeMilli,
        row: this.#columns.add(node),
        resourceBucket: resourceBucket(node),
        cpuClass: cpuClass(node.cpuMilliFree),
      };
      group.members.push(node);
      this.#byResourceUse[group.resourceBucket]!.add(group);
      this.#byRow[group.row] = group;
      this.#groups.set(group.stateId, group);
      this.#bucket(group.wholeFreeGpus).add(group);
      if (group.wholeFreeGpus === 0 && group.partlyFreeGpus > 0)
        this.#byLargestShare[shareBucket(group.largestFreeMilli)]!.add(group);
      return;
    }
    group.members.splice(insertionPoint(group.members, node.position), 0, node);
  }

  /** Call before the node's state changes: the node is found by its current stateId. */
  remove(node: WorkingNode): void {
    const group = this.#groups.get(node.stateId);
    if (group === undefined) return;
    const at = insertionPoint(group.members, node.position);
    if (group.members[at] !== node) return;
    group.members.splice(at, 1);
    if (group.members.length > 0) return;
    this.#groups.delete(group.stateId);
    const moved = this.#columns.remove(group.row);
    if (moved >= 0) {
      const other = this.#byRow[moved]!;
      other.row = group.row;
      this.#byRow[group.row] = other;
    }
    this.#byRow.length = this.#columns.count;
    this.#byWholeFreeGpus[group.wholeFreeGpus]?.delete(group);
    this.#byLargestShare[shareBucket(group.largestFreeMilli)]!.delete(group);
    this.#byResourceUse[group.resourceBucket]!.delete(group);
  }

  /** Groups that might fit the request: a superset of those whose nodes pass every filter. */
  *groups(request: ResourceRequest): Generator<NodeGroup> {
    if (request.gpus > 0) {
      yield* this.#withAtLeastWholeFree(request.gpus);
    } else if (request.gpuMilli > 0) {
      yield* this.#withAtLeastWholeFree(1);
      for (let b = shareBucket(request.gpuMilli); b < SHARE_BUCKETS; b++)
        yield* this.#byLargestShare[b]!.groups();
    } else {
      yield* this.#groups.values();
    }
  }

  /**
   * Calls `visit` for the groups of groups(request) that may pass the filters, a bucket at a time, unless
   * `skip` says the bucket cannot hold the best. `skip` learns what every node in the bucket has: at least
   * `minGpuMilliFree` free GPU milli, and a mean CPU and memory use after the request of at most
   * `maxResourceUse` (for scorers that bound their score by these). Buckets are split by free CPU class, and
   * the parts whose nodes lack the request's CPU or memory are left out. GPU jobs get the fuller nodes' buckets first (shares' buckets, then by whole
   * free GPUs); CPU-only jobs get buckets by CPU and memory use, fullest first.
   */
  visitBuckets(
    request: ResourceRequest,
    skip: (minGpuMilliFree: number, maxResourceUse: number) => boolean,
    visit: (group: NodeGroup) => void,
  ): void {
    const { cpuMilli, memoryMiB } = request;
    const offer = (bucket: CpuSplitBucket | undefined, minGpuMilliFree: number, maxResourceUse: number) => {
      if (bucket === undefined || bucket.size === 0 || skip(minGpuMilliFree, maxResourceUse)) return;
      bucket.visit(cpuMilli, memoryMiB, visit);
    };
    if (request.gpus <= 0 && request.gpuMilli <= 0) {
      // What the request adds to a node's use: the most on the smallest node.
      const added = (cpuMilli / this.#smallestCpuTotal + memoryMiB / this.#smallestMemoryTotal) / 2;
      for (let r = RESOURCE_BUCKETS - 1; r >= 0; r--) {
        // A node that passes the filters is at most full after the request (the top bucket's bound).
        offer(
          this.#byResourceUse[r],
          0,
          r === RESOURCE_BUCKETS - 1 ? 1 : Math.min(1, (r + 1) / RESOURCE_BUCKETS + added + 1e-12),
        );
      }
      return;
    }
    if (request.gpus <= 0) {
      for (let b = shareBucket(request.gpuMilli); b < SHARE_BUCKETS; b++) {
        // Every free milli on such a node is on a partly used GPU; the largest share alone is at least the request.
        offer(this.#byLargestShare[b], Math.max(request.gpuMilli, (b * MILLI_PER_GPU) / SHARE_BUCKETS), 1);
      }
    }
    const buckets = this.#byWholeFreeGpus;
    for (let n = request.gpus > 0 ? request.gpus : 1; n < buckets.length; n++)
      offer(buckets[n], n * MILLI_PER_GPU, 1);
  }

  /** The free capacity of every group, one row each: what explainColumns reads. */
  columns(): CapacityColumns {
    return this.#columns;
  }

  /** Every group (one per distinct capacity state of the schedulable nodes). */
  all(): IterableIterator<NodeGroup> {
    return this.#groups.values();
  }

  /** Groups by whole free GPUs, from `count` up: the buckets a whole-GPU request visits, in order. */
  *#withAtLeastWholeFree(count: number): Generator<NodeGroup> {
    for (let n = count; n < this.#byWholeFreeGpus.length; n++) {
      const bucket = this.#byWholeFreeGpus[n];
      if (bucket !== undefined) yield* bucket.groups();
    }
  }

  #bucket(wholeFreeGpus: number): CpuSplitBucket {
    let bucket = this.#byWholeFreeGpus[wholeFreeGpus];
    if (bucket === undefined) {
      bucket = new CpuSplitBucket();
      this.#byWholeFreeGpus[wholeFreeGpus] = bucket;
    }
    return bucket;
  }
}

/** First index whose node's position is >= position (binary search over a position-sorted list). */
function insertionPoint(members: readonly WorkingNode[], position: number): number {
  let low = 0;
  let high = members.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (members[middle]!.position < position) low = middle + 1;
    else high = middle;
  }
  return low;
}
