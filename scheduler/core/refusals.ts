// Remembers, per request shape, why it did not fit: in a full cluster many pending jobs ask
// for the same thing. Filters only get harder to pass as capacity is taken, so a refusal stands
// until some capacity is given back (WorkingSnapshot.shrunkSince), not merely until the next
// placement (as Armada skips a failed scheduling key for the rest of a round). The reason keeps
// the numbers of the moment the shape was first refused in that stretch; capacity has only
// shrunk since.
//
// A shape that needs at least as much of everything as a refused one (harder(), below) fits nowhere
// either while capacity has only shrunk: dominated() says so, and the cycle then skips the search and
// only explains it (the explanation, computed from the nodes, still confirms it fits nowhere).
import { RequestMap } from './request-map.ts';
import type { CapacityMark, WorkingSnapshot } from './snapshot.ts';
import type { ResourceRequest, UnschedulableReason } from './types.ts';

interface Refusal {
  request: ResourceRequest;
  reason: UnschedulableReason;
  mark: CapacityMark;
}

/** Refused shapes kept for dominated(): the first ones refused are the most general in a filling cluster. */
const MAX_DOMINATORS = 256;

export class RefusalCache {
  readonly #working: WorkingSnapshot;
  readonly #byShape = new RequestMap<Refusal>(shapeOf);
  /** Refusals still standing (checked lazily), for dominated(). */
  #dominators: Refusal[] = [];

  constructor(working: WorkingSnapshot) {
    this.#working = working;
  }

  get(request: ResourceRequest): UnschedulableReason | undefined {
    const entry = this.#byShape.get(request);
    if (entry === undefined) return undefined;
    if (this.#working.shrunkSince(entry.mark)) return entry.reason;
    this.#byShape.delete(request);
    return undefined;
  }

  set(request: ResourceRequest, reason: UnschedulableReason): void {
    const refusal = { request, reason, mark: this.#working.capacityMark() };
    this.#byShape.set(request, refusal);
    if (this.dominated(request)) return;
    // Keep only the most general refusals: one that this refusal is easier than adds nothing.
    this.#dominators = this.#dominators.filter((other) => !harder(other.request, request));
    if (this.#dominators.length < MAX_DOMINATORS) this.#dominators.push(refusal);
  }

  /** True when a shape refused since the last capacity gain needs no more than this one: it fits nowhere. */
  dominated(request: ResourceRequest): boolean {
    let stale = false;
    for (const refusal of this.#dominators) {
      if (!this.#working.shrunkSince(refusal.mark)) {
        stale = true;
        continue;
      }
      if (harder(request, refusal.request)) return true;
    }
    if (stale)
      this.#dominators = this.#dominators.filter((refusal) => this.#working.shrunkSince(refusal.mark));
    return false;
  }
}

/**
 * True when every node that can hold `request` can also hold `than`: it needs at least its CPU and memory,
 * and for GPUs, nothing (`than` CPU-only), a share at least as large or whole GPUs (`than` a share), or at
 * least as many whole GPUs (`than` whole GPUs), of models `than` allows too.
 */
export function harder(request: ResourceRequest, than: ResourceRequest): boolean {
  if (request.cpuMilli < than.cpuMilli || request.memoryMiB < than.memoryMiB) return false;
  if (than.gpus > 0) {
    if (request.gpus < than.gpus) return false;
  } else if (than.gpuMilli > 0) {
    if (request.gpus <= 0 && request.gpuMilli < than.gpuMilli) return false;
  } else {
    return true;
  }
  return modelsWithin(request.gpuModel, than.gpuModel);
}

/** Every model `inner` allows is allowed by `outer` (empty allows any). */
function modelsWithin(inner: readonly string[], outer: readonly string[]): boolean {
  if (outer.length === 0) return true;
  if (inner.length === 0) return false;
  return inner.every((model) => outer.includes(model));
}

function shapeOf(request: ResourceRequest): string {
  const { gpus, gpuMilli, cpuMilli, memoryMiB, gpuModel } = request;
  const models =
    gpuModel.length === 0 ? '' : JSON.stringify(gpuModel.length === 1 ? gpuModel : [...gpuModel].sort());
  return `${gpus}/${gpuMilli}/${cpuMilli}/${memoryMiB}/${models}`;
}
