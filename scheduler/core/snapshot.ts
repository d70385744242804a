// The cycle's working copy of the cluster: placements are assumed into it (and can be
// rolled back for what-ifs such as preemption and gangs), and an index of nodes by free
// capacity keeps each job from scanning nodes that cannot hold it.
import { NodeIndex } from './node-index.ts';
import type { Placement, ResourceRequest, Snapshot } from './types.ts';
import { recount, toWorkingNode, type WorkingNode } from './working-node.ts';

interface JournalEntry {
  placement: Placement;
  /** -1: the placement took capacity (assume); +1: it gave capacity back (release). */
  direction: -1 | 1;
}

export class WorkingSnapshot {
  readonly nodes: readonly WorkingNode[];
  readonly #byName = new Map<string, WorkingNode>();
  readonly #index = new NodeIndex();
  readonly #journal: JournalEntry[] = [];
  #version = 0;

  /** Copies the snapshot; the input is never changed. */
  constructor(snapshot: Snapshot) {
    this.nodes = snapshot.nodes.map(toWorkingNode);
    for (const node of this.nodes) {
      this.#byName.set(node.name, node);
      this.#index.add(node);
    }
  }

  /** Changes whenever free capacity changes, so results computed at one version can be reused. */
  get version(): number {
    return this.#version;
  }

  node(name: string): WorkingNode | undefined {
    return this.#byName.get(name);
  }

  /** Nodes that might fit the request: a superset of the nodes that pass every filter. */
  candidates(request: ResourceRequest): Iterable<WorkingNode> {
    return this.#index.candidates(request);
  }

  /** Takes the placement's capacity now, before any executor binds it. */
  assume(placement: Placement): void {
    this.#apply(placement, -1);
    this.#journal.push({ placement, direction: -1 });
  }

  /** Gives a placement's capacity back (e.g. a running job considered for preemption). */
  release(placement: Placement): void {
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
      gpu.freeMilli += direction * placement.gpuMilliPerGpu;
    }
    node.cpuMilliFree += direction * placement.cpuMilli;
    node.memoryMiBFree += direction * placement.memoryMiB;
    recount(node);
    this.#index.add(node);
    this.#version++;
  }
}
