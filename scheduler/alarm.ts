// One pending wake-up at a point in time, kept at the earliest asked for: the placement loop wakes when
// the first retry backoff ends, the leader when the first share over its budget is back under.

export class Alarm {
  private pending?: { at: number; timer: NodeJS.Timeout };
  private readonly onFire: () => void;

  constructor(onFire: () => void) {
    this.onFire = onFire;
  }

  /** Fires by `at` (ms, on the caller's clock, `now` being its present): kept if one is due sooner. */
  fireBy(at: number, now: number): void {
    if (this.pending && this.pending.at <= at && this.pending.at > now) return;
    clearTimeout(this.pending?.timer);
    const timer = setTimeout(() => {
      this.pending = undefined;
      this.onFire();
    }, at - now);
    timer.unref();
    this.pending = { at, timer };
  }

  cancel(): void {
    clearTimeout(this.pending?.timer);
    this.pending = undefined;
  }
}
