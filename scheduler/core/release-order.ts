// Releases in order of expected end (then id, then as given), sorted only as far as a reservation search
// reads: it gallops over a prefix (1, 2, 4, ... releases) that is usually a few hundred long, while a cycle
// with a full cluster offers thousands (every job placed in it with a duration). A heap built in O(n) and
// popped k times costs O(n + k log n) comparisons instead of a full sort's O(n log n).
import type { Release } from './backfill.ts';

export class ReleaseOrder {
  readonly length: number;
  readonly #releases: readonly Release[];
  readonly #ends: Float64Array;
  /** Indices into #releases: a binary min-heap of those not yet in #sorted. */
  readonly #heap: Int32Array;
  #size: number;
  readonly #sorted: Release[] = [];

  /** `releases` must have finite ends (a comparison of them is then exact). */
  constructor(releases: readonly Release[]) {
    this.#releases = releases;
    this.length = releases.length;
    this.#ends = new Float64Array(releases.length);
    this.#heap = new Int32Array(releases.length);
    for (let n = 0; n < releases.length; n++) {
      this.#ends[n] = releases[n]!.endAt;
      this.#heap[n] = n;
    }
    this.#size = releases.length;
    for (let at = (this.#size >> 1) - 1; at >= 0; at--) this.#siftDown(at);
  }

  /** The n-th release in order (0 <= n < length). */
  at(n: number): Release {
    while (this.#sorted.length <= n) this.#sorted.push(this.#releases[this.#pop()]!);
    return this.#sorted[n]!;
  }

  /** Earlier end first, then the smaller id, then the earlier in the input (a stable sort's order). */
  #less(a: number, b: number): boolean {
    const endA = this.#ends[a]!;
    const endB = this.#ends[b]!;
    if (endA !== endB) return endA < endB;
    const idA = this.#releases[a]!.id;
    const idB = this.#releases[b]!.id;
    if (idA !== idB) return idA < idB;
    return a < b;
  }

  #pop(): number {
    const heap = this.#heap;
    const top = heap[0]!;
    heap[0] = heap[--this.#size]!;
    this.#siftDown(0);
    return top;
  }

  #siftDown(from: number): void {
    const heap = this.#heap;
    const size = this.#size;
    let at = from;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= size) return;
      const right = left + 1;
      const child = right < size && this.#less(heap[right]!, heap[left]!) ? right : left;
      if (!this.#less(heap[child]!, heap[at]!)) return;
      const swap = heap[at]!;
      heap[at] = heap[child]!;
      heap[child] = swap;
      at = child;
    }
  }
}
