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
