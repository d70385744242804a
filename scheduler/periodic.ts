// Background work the leader repeats on a timer (sweeps, saves, publishing). One shape for all of them,
// so each is unref'd (never keeps the process alive), never runs twice at once, and stops with the rest.

/**
 * Runs `task` every `intervalMs`; a run still going when the next is due is not started again (a slow
 * pass over many jobs must not pile up). Returns the function that stops it.
 */
export function every(intervalMs: number, task: () => unknown): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    Promise.resolve()
      .then(task)
      .catch(() => undefined) // each task reports its own errors; this only keeps the timer alive
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Several periodic tasks started together and stopped together (a leader's term). */
export class PeriodicTasks {
  private stops: (() => void)[] = [];

  every(intervalMs: number, task: () => unknown): void {
    this.stops.push(every(intervalMs, task));
  }

  /** Stops every task started so far; more may be started afterwards. */
  stopAll(): void {
    for (const stop of this.stops.splice(0)) stop();
  }
}
