// Groups schedulable nodes whose capacity state is equal (same stateKey: they score alike) and buckets the
// groups by how many whole GPUs their nodes have free, and the groups with a partly used GPU but no whole
// free one by their largest free share. A job then visits only groups that could hold it, and a policy
// scores each group once: with 1,000 nodes there are far fewer distinct states than nodes (empty nodes,
// full nodes, common fill patterns).
import { CapacityTable } from './capacity-columns.ts';
import type { CapacityColumns } from './explain.ts';
import { MILLI_PER_GPU, type ResourceRequest } from './types.ts';
import type { WorkingNode } from './working-node.ts';

/** Schedulable nodes in the same capacity state. */
export interface NodeGroup {
  readonly stateKey: string;
  /** Sorted by position, so members[0] is the one equal scores go to; never empty while indexed. */
  readonly members: WorkingNode[];
  readonly wholeFreeGpus: number;
  readonly partlyFreeGpus: number;
  readonly largestFreeMilli: number;
  /** Its row in the capacity columns (moves as other groups go). */
  row: number;
}

/** Groups with a partly used GPU and no whole free one are bucketed by their largest free share, in 8ths. */
const SHARE_BUCKETS = 8;

function shareBucket(milli: number): number {
  return Math.min(SHARE_BUCKETS - 1, Math.floor((milli * SHARE_BUCKETS) / 1000));
}

export class NodeIndex {
  readonly #groups = new Map<string, NodeGroup>();
  /** byWholeFreeGpus[n]: groups whose nodes have exactly n whole GPUs free. */
  readonly #byWholeFreeGpus: Set<NodeGroup>[] = [];
  /** byLargestShare[b]: groups with no whole free GPU, a partly free one, and shareBucket(largest free) = b. */
  readonly #byLargestShare: Set<NodeGroup>[] = Array.from({ length: SHARE_BUCKETS }, () => new Set());
  readonly #columns = new CapacityTable();
  /** byRow[r]: the group whose capacity is row r of the columns. */
  readonly #byRow: NodeGroup[] = [];

  add(node: WorkingNode): void {
    if (node.unschedulable) return;
    let group = this.#groups.get(node.stateKey);
    if (group === undefined) {
      group = {
        stateKey: node.stateKey,
        members: [],
        wholeFreeGpus: node.wholeFreeGpus,
        partlyFreeGpus: node.partlyFreeGpus,
        largestFreeMilli: node.largestFreeMilli,
        row: this.#columns.add(node),
      };
      this.#byRow[group.row] = group;
      this.#groups.set(group.stateKey, group);
      this.#bucket(group.wholeFreeGpus).add(group);
      if (group.wholeFreeGpus === 0 && group.partlyFreeGpus > 0)
        this.#byLargestShare[shareBucket(group.largestFreeMilli)]!.add(group);
    }
    group.members.splice(insertionPoint(group.members, node.position), 0, node);
  }

  /** Call before the node's state changes: the node is found by its current stateKey. */
  remove(node: WorkingNode): void {
    const group = this.#groups.get(node.stateKey);
    if (group === undefined) return;
    const at = insertionPoint(group.members, node.position);
    if (group.members[at] !== node) return;
    group.members.splice(at, 1);
    if (group.members.length > 0) return;
    this.#groups.delete(group.stateKey);
    const moved = this.#columns.remove(group.row);
    if (moved >= 0) {
      const other = this.#byRow[moved]!;
      other.row = group.row;
      this.#byRow[group.row] = other;
    }
    this.#byRow.length = this.#columns.count;
    this.#byWholeFreeGpus[group.wholeFreeGpus]?.delete(group);
    this.#byLargestShare[shareBucket(group.largestFreeMilli)]!.delete(group);
  }

  /** Groups that might fit the request: a superset of those whose nodes pass every filter. */
  *groups(request: ResourceRequest): Generator<NodeGroup> {
    if (request.gpus > 0) {
      yield* this.#withAtLeastWholeFree(request.gpus);
    } else if (request.gpuMilli > 0) {
      yield* this.#withAtLeastWholeFree(1);
      for (let b = shareBucket(request.gpuMilli); b < SHARE_BUCKETS; b++) yield* this.#byLargestShare[b]!;
    } else {
      yield* this.#groups.values();
    }
  }

  /** Calls `visit` for the same groups as groups(request), in the same order. */
  visit(request: ResourceRequest, visit: (group: NodeGroup) => void): void {
    if (request.gpus > 0 || request.gpuMilli > 0) {
      const buckets = this.#byWholeFreeGpus;
      for (let n = request.gpus > 0 ? request.gpus : 1; n < buckets.length; n++) {
        const bucket = buckets[n];
        if (bucket !== undefined) for (const group of bucket) visit(group);
      }
      if (request.gpus > 0) return;
      for (let b = shareBucket(request.gpuMilli); b < SHARE_BUCKETS; b++)
        for (const group of this.#byLargestShare[b]!) visit(group);
    } else {
      for (const group of this.#groups.values()) visit(group);
    }
  }

  /**
   * The same groups as visit(request), a bucket at a time with the least free GPU milli a node in it has
   * (a lower bound, for scorers that bound their score by it), shares' buckets first: the fuller nodes.
   */
  visitBuckets(
    request: ResourceRequest,
    bucket: (groups: Iterable<NodeGroup>, minGpuMilliFree: number) => void,
  ): void {
    if (request.gpus <= 0 && request.gpuMilli <= 0) {
      bucket(this.#groups.values(), 0);
      return;
    }
    if (request.gpus <= 0) {
      for (let b = shareBucket(request.gpuMilli); b < SHARE_BUCKETS; b++) {
        const groups = this.#byLargestShare[b]!;
        // Every free milli on such a node is on a partly used GPU; the largest share alone is at least the request.
        if (groups.size > 0) bucket(groups, Math.max(request.gpuMilli, (b * MILLI_PER_GPU) / SHARE_BUCKETS));
      }
    }
    const buckets = this.#byWholeFreeGpus;
    for (let n = request.gpus > 0 ? request.gpus : 1; n < buckets.length; n++) {
      const groups = buckets[n];
      if (groups !== undefined && groups.size > 0) bucket(groups, n * MILLI_PER_GPU);
    }
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
      if (bucket !== undefined) yield* bucket;
    }
  }

  #bucket(wholeFreeGpus: number): Set<NodeGroup> {
    let bucket = this.#byWholeFreeGpus[wholeFreeGpus];
    if (bucket === undefined) {
      bucket = new Set();
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
