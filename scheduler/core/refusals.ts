// Remembers, per request shape, why it did not fit at the working snapshot's current
// version: in a full cluster many pending jobs ask for the same thing, and while nothing
// changes the answer cannot change either.
import type { WorkingSnapshot } from './snapshot.ts';
import type { ResourceRequest, UnschedulableReason } from './types.ts';

export class RefusalCache {
  readonly #working: WorkingSnapshot;
  #version = -1;
  readonly #byShape = new Map<string, UnschedulableReason>();

  constructor(working: WorkingSnapshot) {
    this.#working = working;
  }

  get(request: ResourceRequest): UnschedulableReason | undefined {
    this.#forgetIfChanged();
    return this.#byShape.get(shapeOf(request));
  }

  set(request: ResourceRequest, reason: UnschedulableReason): void {
    this.#forgetIfChanged();
    this.#byShape.set(shapeOf(request), reason);
  }

  #forgetIfChanged(): void {
    if (this.#version === this.#working.version) return;
    this.#byShape.clear();
    this.#version = this.#working.version;
  }
}

function shapeOf(request: ResourceRequest): string {
  const { gpus, gpuMilli, cpuMilli, memoryMiB } = request;
  return JSON.stringify([gpus, gpuMilli, [...request.gpuModel].sort(), cpuMilli, memoryMiB]);
}
