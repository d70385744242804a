// A Map keyed by a request's shape. Most shapes (whole numbers in range, no model list) are keyed by three
// small integers in nested Maps; the rest by a string that the owner's key function builds, as before. A
// cycle looks up a refusal for every job it offers, and a string built per lookup (then hashed and compared)
// was a visible share of a 10k-job cycle.
import type { ResourceRequest } from './types.ts';

/** Below this a whole number is a small integer, which a Map hashes without boxing. */
const SMALL = 2 ** 30;

export class RequestMap<V> {
  /** By gpus * 1024 + gpuMilli, then cpuMilli, then memoryMiB. */
  readonly #byNumbers = new Map<number, Map<number, Map<number, V>>>();
  readonly #byString = new Map<string, V>();
  /** Two requests with equal keys are one shape; it must tell apart any two that numbers() tells apart. */
  readonly #keyOf: (request: ResourceRequest) => string;

  constructor(keyOf: (request: ResourceRequest) => string) {
    this.#keyOf = keyOf;
  }

  get(request: ResourceRequest): V | undefined {
    if (!numbered(request)) return this.#byString.get(this.#keyOf(request));
    return this.#byNumbers
      .get(request.gpus * 1024 + request.gpuMilli)
      ?.get(request.cpuMilli)
      ?.get(request.memoryMiB);
  }

  set(request: ResourceRequest, value: V): void {
    if (!numbered(request)) {
      this.#byString.set(this.#keyOf(request), value);
      return;
    }
    let byCpu = this.#byNumbers.get(request.gpus * 1024 + request.gpuMilli);
    if (byCpu === undefined) {
      byCpu = new Map();
      this.#byNumbers.set(request.gpus * 1024 + request.gpuMilli, byCpu);
    }
    let byMemory = byCpu.get(request.cpuMilli);
    if (byMemory === undefined) {
      byMemory = new Map();
      byCpu.set(request.cpuMilli, byMemory);
    }
    byMemory.set(request.memoryMiB, value);
  }

  delete(request: ResourceRequest): void {
    if (!numbered(request)) this.#byString.delete(this.#keyOf(request));
    else
      this.#byNumbers
        .get(request.gpus * 1024 + request.gpuMilli)
        ?.get(request.cpuMilli)
        ?.delete(request.memoryMiB);
  }
}

/**
 * No model list, and every amount a whole number in range: such requests are one shape exactly when their
 * four numbers are equal (-0 and 0 alike, as in their strings), and no other request has a key like theirs.
 */
function numbered({ gpus, gpuMilli, cpuMilli, memoryMiB, gpuModel }: ResourceRequest): boolean {
  return (
    gpuModel.length === 0 &&
    Number.isInteger(gpus) &&
    gpus >= 0 &&
    gpus < 2 ** 20 &&
    Number.isInteger(gpuMilli) &&
    gpuMilli >= 0 &&
    gpuMilli < 1024 &&
    Number.isInteger(cpuMilli) &&
    cpuMilli >= 0 &&
    cpuMilli < SMALL &&
    Number.isInteger(memoryMiB) &&
    memoryMiB >= 0 &&
    memoryMiB < SMALL
  );
}
