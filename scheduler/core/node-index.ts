// Buckets schedulable nodes by how many whole GPUs they have free, and keeps the set of
// nodes with a partly used GPU, so a GPU job only visits nodes that could hold it.
import type { ResourceRequest } from './types.ts';
import type { WorkingNode } from './working-node.ts';

export class NodeIndex {
  readonly #all = new Set<WorkingNode>();
  /** byWholeFreeGpus[n]: schedulable nodes with exactly n whole GPUs free. */
  readonly #byWholeFreeGpus: Set<WorkingNode>[] = [];
  readonly #withPartlyFreeGpu = new Set<WorkingNode>();

  add(node: WorkingNode): void {
    if (node.unschedulable) return;
    this.#all.add(node);
    this.#bucket(node.wholeFreeGpus).add(node);
    if (node.partlyFreeGpus > 0) this.#withPartlyFreeGpu.add(node);
  }

  remove(node: WorkingNode): void {
    this.#all.delete(node);
    this.#byWholeFreeGpus[node.wholeFreeGpus]?.delete(node);
    this.#withPartlyFreeGpu.delete(node);
  }

  *candidates(request: ResourceRequest): Generator<WorkingNode> {
    if (request.gpus > 0) {
      yield* this.#withAtLeastWholeFree(request.gpus);
    } else if (request.gpuMilli > 0) {
      yield* this.#withAtLeastWholeFree(1);
      for (const node of this.#withPartlyFreeGpu) if (node.wholeFreeGpus === 0) yield node;
    } else {
      yield* this.#all;
    }
  }

  *#withAtLeastWholeFree(count: number): Generator<WorkingNode> {
    for (let n = count; n < this.#byWholeFreeGpus.length; n++) {
      const bucket = this.#byWholeFreeGpus[n];
      if (bucket !== undefined) yield* bucket;
    }
  }

  #bucket(wholeFreeGpus: number): Set<WorkingNode> {
    let bucket = this.#byWholeFreeGpus[wholeFreeGpus];
    if (bucket === undefined) {
      bucket = new Set();
      this.#byWholeFreeGpus[wholeFreeGpus] = bucket;
    }
    return bucket;
  }
}
