// A binary min-heap of timed events. Ties pop in insertion order, so a replay is deterministic.
interface Entry<T> {
  time: number;
  sequence: number;
  value: T;
}

export class EventQueue<T> {
  readonly #heap: Entry<T>[] = [];
  #sequence = 0;

  get size(): number {
    return this.#heap.length;
  }

  push(time: number, value: T): void {
    this.#heap.push({ time, sequence: this.#sequence++, value });
    this.#up(this.#heap.length - 1);
  }

  /** The earliest time queued, or undefined when empty. */
  peekTime(): number | undefined {
    return this.#heap[0]?.time;
  }

  pop(): T | undefined {
    const top = this.#heap[0];
    const last = this.#heap.pop();
    if (top === undefined || last === undefined) return undefined;
    if (this.#heap.length > 0) {
      this.#heap[0] = last;
      this.#down(0);
    }
    return top.value;
  }

  #before(a: Entry<T>, b: Entry<T>): boolean {
    return a.time < b.time || (a.time === b.time && a.sequence < b.sequence);
  }

  #up(index: number): void {
    const heap = this.#heap;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.#before(heap[index]!, heap[parent]!)) return;
      [heap[index], heap[parent]] = [heap[parent]!, heap[index]!];
      index = parent;
    }
  }

  #down(index: number): void {
    const heap = this.#heap;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && this.#before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && this.#before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === index) return;
      [heap[index], heap[smallest]] = [heap[smallest]!, heap[index]!];
      index = smallest;
    }
  }
}
