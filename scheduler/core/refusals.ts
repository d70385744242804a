// Remembers, per request shape, why it did not fit: in a full cluster many pending jobs ask
// for the same thing. Filters only get harder to pass as capacity is taken, so a refusal stands
// until some capacity is given back (WorkingSnapshot.shrunkSince), not merely until the next
// placement (as Armada skips a failed scheduling key for the rest of a round). The reason keeps
// the numbers of the moment the shape was first refused in that stretch; capacity has only
// shrunk since.
import type { CapacityMark, WorkingSnapshot } from './snapshot.ts';
import type { ResourceRequest, UnschedulableReason } from './types.ts';

export class RefusalCache {
  readonly #working: WorkingSnapshot;
  readonly #byShape = new Map<string, { reason: UnschedulableReason; mark: CapacityMark }>();

  constructor(working: WorkingSnapshot) {
    this.#working = working;
  }

  get(request: ResourceRequest): UnschedulableReason | undefined {
    const key = shapeOf(request);
    const entry = this.#byShape.get(key);
    if (entry === undefined) return undefined;
    if (this.#working.shrunkSince(entry.mark)) return entry.reason;
    this.#byShape.delete(key);
    return undefined;
  }

  set(request: ResourceRequest, reason: UnschedulableReason): void {
    this.#byShape.set(shapeOf(request), { reason, mark: this.#working.capacityMark() });
  }
}

function shapeOf(request: ResourceRequest): string {
  const { gpus, gpuMilli, cpuMilli, memoryMiB } = request;
  return JSON.stringify([gpus, gpuMilli, [...request.gpuModel].sort(), cpuMilli, memoryMiB]);
}
