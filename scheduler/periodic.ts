// Background work the leader repeats on a timer (sweeps, saves, publishing). One shape for all of them,
// so each is unref'd (never keeps the process alive), never runs twice at once, and stops with the rest.

/**
 * Runs `task` every `intervalMs`; a run still going when the next is due is not started again (a slow
 * pass over many jobs must not pile up). An error the task did not handle itself goes to `onError` and
 * the timer goes on. Returns the function that stops it.
 */
export function every(intervalMs: number, task: () => unknown, onError: (error: Error) => void): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    Promise.resolve()
      .then(task)
      .catch((error: unknown) => onError(error instanceof Error ? error : new Error(String(error))))
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
  private readonly onError: (error: Error) => void;

  /** `onError`: what a task did not handle itself (a bug, most likely). */
  constructor(onError: (error: Error) => void) {
    this.onError = onError;
  }

  every(intervalMs: number, task: () => unknown): void {
    this.stops.push(every(intervalMs, task, this.onError));
  }

  /** Stops every task started so far; more may be started afterwards. */
  stopAll(): void {
    for (const stop of this.stops.splice(0)) stop();
  }
}
