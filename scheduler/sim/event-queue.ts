// Timed events on the core's min-heap. Ties pop in insertion order, so a replay is deterministic.
import { MinHeap } from '../core/min-heap.ts';

interface Entry<T> {
  time: number;
  sequence: number;
  value: T;
}

export class EventQueue<T> {
  readonly #heap = new MinHeap<Entry<T>>(
    (a, b) => a.time < b.time || (a.time === b.time && a.sequence < b.sequence),
  );
  #sequence = 0;

  get size(): number {
    return this.#heap.size;
  }

  push(time: number, value: T): void {
    this.#heap.push({ time, sequence: this.#sequence++, value });
  }

  /** The earliest time queued, or undefined when empty. */
  peekTime(): number | undefined {
    return this.#heap.peek()?.time;
  }

  pop(): T | undefined {
    return this.#heap.pop()?.value;
  }
}
