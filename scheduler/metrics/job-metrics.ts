// What the attempt driver counts, and the two readings it needs from a record: when the job's current
// wait began, and the low-cardinality reason code of a job that failed.
import type { AttemptOutcome } from '../executors/executor.ts';
import type { JobRecord } from '../job-record.ts';
import type { ServiceMetrics } from './service-metrics.ts';

export type DriverMetrics = Pick<
  ServiceMetrics,
  | 'succeeded'
  | 'failed'
  | 'attemptsEnded'
  | 'waitSeconds'
  | 'runSeconds'
  | 'runnerRows'
  | 'runnerRowsPerSecond'
>;

/** The start of the wait that ends at this placement: the last time the job became RUNNABLE. */
export function waitStartedAt(record: JobRecord): number {
  for (let i = record.events.length - 1; i >= 0; i--) {
    const event = record.events[i]!;
    if (event.status === 'RUNNABLE') return event.at;
  }
  return record.createdAt;
}

/** A code, never free text: the failure's code (TIMEOUT, BAD_INPUT, ...), or how the attempt stopped. */
export function failureReason(outcome: AttemptOutcome): string {
  switch (outcome.kind) {
    case 'failed':
      return outcome.failure.code;
    case 'lost':
      return outcome.code;
    case 'interrupted':
      return outcome.by === 'cancel' ? 'TERMINATED' : outcome.by === 'preempt' ? 'PREEMPTED' : 'INTERRUPTED';
    default:
      return 'UNKNOWN';
  }
}

/**
 * Counts runner rows as attempts report progress, so rate() shows the throughput while a long job runs,
 * not only when it ends. A runner's first report says where the attempt starts (a resumed attempt starts
 * at its checkpoint); a success's result completes the count.
 */
export class AttemptRows {
  private readonly seen = new Map<string, { from: number; done: number }>();
  private readonly metrics?: DriverMetrics;

  constructor(metrics?: DriverMetrics) {
    this.metrics = metrics;
  }

  progress(jobId: string, kind: string, done: number): void {
    const seen = this.seen.get(jobId);
    if (!seen) {
      this.seen.set(jobId, { from: done, done });
      return;
    }
    if (done <= seen.done) return;
    this.metrics?.runnerRows.inc({ kind }, done - seen.done);
    seen.done = done;
  }

  /** The attempt ended; with `rows` (a success's, counted from the job's first row) the rest is counted. */
  ended(jobId: string, kind: string, success?: { rows: number; runSeconds: number }): void {
    const seen = this.seen.get(jobId);
    this.seen.delete(jobId);
    if (!success || !this.metrics) return;
    const rest = success.rows - (seen?.done ?? 0);
    if (rest > 0) this.metrics.runnerRows.inc({ kind }, rest);
    const processed = success.rows - (seen?.from ?? 0);
    if (success.runSeconds > 0 && processed > 0)
      this.metrics.runnerRowsPerSecond.observe({ kind }, processed / success.runSeconds);
  }
}
