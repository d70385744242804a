// The cycle's working copy of the cluster: placements are assumed into it (and can be
// rolled back for what-ifs such as preemption and gangs), and an index of nodes by free
// capacity keeps each job from scanning nodes that cannot hold it.
import { explainColumns } from './explain.ts';
import { type NodeGroup, NodeIndex } from './node-index.ts';
import { ShareGaps } from './scorers/share-gaps.ts';
import { StateIds } from './state-ids.ts';
import type { Placement, ResourceRequest, RunningJob, Snapshot, UnschedulableReason } from './types.ts';
import { recount, toWorkingNode, type WorkingNode } from './working-node.ts';

/** Opaque: what capacityMark() returns. */
export interface CapacityMark {
  readonly releases: number;
  readonly length: number;
  readonly top: unknown;
}

interface JournalEntry {
  placement: Placement;
  /** -1: the placement took capacity (assume); +1: it gave capacity back (release). */
  direction: -1 | 1;
}

export class WorkingSnapshot {
  readonly nodes: readonly WorkingNode[];
  /** The snapshot's running work, as given (fragmentation-aware policies read its shapes). */
  readonly running: readonly RunningJob[];
  readonly #byName = new Map<string, WorkingNode>();
  /** This cycle's states: equal states share an id (and a group) for the snapshot's whole life. */
  readonly #stateIds = new StateIds();
  readonly #index = new NodeIndex();
  /** Partly used GPUs of schedulable nodes by model and free milli, for the Sum-of-Squares share rule. */
  readonly shareGaps = new ShareGaps();
  readonly #journal: JournalEntry[] = [];
  #version = 0;
  /** Built at most once per version: refusals between two placements share it. Treat as read-only. */
  #representatives: { version: number; nodes: WorkingNode[] } | undefined;
  #releases = 0;

  /** Copies the snapshot; the input is never changed. */
  constructor(snapshot: Snapshot) {
    this.nodes = snapshot.nodes.map((node, position) => toWorkingNode(node, position, this.#stateIds));
    this.running = snapshot.running ?? [];
    for (const node of this.nodes) {
      this.#byName.set(node.name, node);
      this.#index.add(node);
      if (!node.unschedulable) for (const gpu of node.gpus) this.shareGaps.added(gpu.model, gpu.freeMilli);
    }
  }

  /** Changes whenever free capacity changes, so results computed at one version can be reused. */
  get version(): number {
    return this.#version;
  }

  /** A mark of the capacity now, for shrunkSince(). */
  capacityMark(): CapacityMark {
    return { releases: this.#releases, length: this.#journal.length, top: this.#journal.at(-1) };
  }

  /**
   * True when capacity has only been taken since the mark: no release, and the journal up to the mark is
   * still there (rolling back past the mark gives capacity back; rolling back only later assumes does not
   * go above the mark). A request that fitted nowhere at the mark still fits nowhere.
   */
  shrunkSince(mark: CapacityMark): boolean {
    return (
      mark.releases === this.#releases &&
      this.#journal.length >= mark.length &&
      this.#journal[mark.length - 1] === mark.top
    );
  }

  node(name: string): WorkingNode | undefined {
    return this.#byName.get(name);
  }

  /** Nodes that might fit the request: a superset of the nodes that pass every filter. */
  *candidates(request: ResourceRequest): Generator<WorkingNode> {
    for (const group of this.#index.groups(request)) yield* group.members;
  }

  /** The same nodes as candidates(), grouped by equal capacity state (they score alike). */
  candidateGroups(request: ResourceRequest): Iterable<NodeGroup> {
    return this.#index.groups(request);
  }

  /**
   * Calls `visit` for the candidate groups that may pass the filters, a bucket at a time, skipping the buckets
   * `skip` rules out (NodeIndex.visitBuckets): the placement hot loop, without a generator.
   */
  visitCandidateBuckets(
    request: ResourceRequest,
    skip: (minGpuMilliFree: number, maxResourceUse: number) => boolean,
    visit: (group: NodeGroup) => void,
  ): void {
    this.#index.visitBuckets(request, skip, visit);
  }

  /** One schedulable node per distinct capacity state (the earliest): enough to explain a refusal. */
  representatives(): WorkingNode[] {
    if (this.#representatives?.version !== this.#version) {
      const nodes: WorkingNode[] = [];
      for (const group of this.#index.all()) nodes.push(group.members[0]!);
      this.#representatives = { version: this.#version, nodes };
    }
    return this.#representatives.nodes;
  }

  /** Why the request fits no schedulable node (undefined when one fits), read from the index's capacity columns. */
  explain(request: ResourceRequest): UnschedulableReason | undefined {
    return explainColumns(this.#index.columns(), request);
  }

  /** Takes the placement's capacity now, before any executor binds it. */
  assume(placement: Placement): void {
    this.#apply(placement, -1);
    this.#journal.push({ placement, direction: -1 });
  }

  /** Gives a placement's capacity back (e.g. a running job considered for preemption). */
  release(placement: Placement): void {
    this.#releases++;
    this.#apply(placement, 1);
    this.#journal.push({ placement, direction: 1 });
  }

  /** A mark to roll back to; marks nest. */
  checkpoint(): number {
    return this.#journal.length;
  }

  /** Undoes every assume and release made since the checkpoint, newest first. */
  rollbackTo(checkpoint: number): void {
    while (this.#journal.length > checkpoint) {
      const entry = this.#journal.pop()!;
      this.#apply(entry.placement, entry.direction === -1 ? 1 : -1);
    }
  }

  #apply(placement: Placement, direction: -1 | 1): void {
    const node = this.#byName.get(placement.node);
    if (node === undefined) throw new Error(`placement ${placement.jobId}: unknown node ${placement.node}`);
    this.#index.remove(node);
    for (const index of placement.gpuIndices) {
      const gpu = node.gpus.find((candidate) => candidate.index === index);
      if (gpu === undefined)
        throw new Error(`placement ${placement.jobId}: node ${node.name} has no GPU ${index}`);
      const before = gpu.freeMilli;
      gpu.freeMilli += direction * placement.gpuMilliPerGpu;
      if (!node.unschedulable) this.shareGaps.moved(gpu.model, before, gpu.freeMilli);
    }
    node.cpuMilliFree += direction * placement.cpuMilli;
    node.memoryMiBFree += direction * placement.memoryMiB;
    recount(node, this.#stateIds);
    this.#index.add(node);
    this.#version++;
  }
}
