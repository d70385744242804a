// At most `limit` calls in flight; the rest wait in arrival order. Pod creates and deletes go through one,
// so a burst of placements cannot open thousands of API connections at once.
export class Limiter {
  private active = 0;
  private readonly queue: Array<() => void> = [];
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    try {
      return await call();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }

  get waiting(): number {
    return this.queue.length;
  }
}
