// After a failed attempt: run again (when, and why) or fail the job (why). Pure; the driver records it.
import type { RetryStrategy } from '../../api/schemas/retry-strategy.ts';
import { ATTEMPT_TIMEOUT_CODE } from '../../runner/protocol.ts';
import type { Attempt } from '../job-record.ts';
import { backoffDelayMs } from './backoff.ts';
import { describeRule, type FailedAttempt, firstMatchingRule } from './evaluate-on-exit.ts';

/** AWS Batch's status reason for a timed-out attempt, which it never retries. */
export const TIMEOUT_STATUS_REASON = 'Job attempt duration exceeded timeout';

export type RetryDecision =
  | { retry: true; delayMs: number; reason: string }
  | { retry: false; reason: string };

/**
 * `failed` counts the failed attempts including this one; `what` describes this failure for reasons
 * ("attempt 2 failed: INTERNAL: boom"). In order: a timeout is never retried (as in AWS Batch), nor a
 * failure its executor marked not retryable (bad input or params: another attempt fails the same way);
 * then the first matching evaluateOnExit rule decides; no match retries while attempts remain.
 */
export function decideRetry(
  strategy: RetryStrategy,
  attempt: FailedAttempt,
  failed: number,
  what: string,
  random: () => number,
): RetryDecision {
  if (attempt.failure.code === ATTEMPT_TIMEOUT_CODE) {
    return { retry: false, reason: `${TIMEOUT_STATUS_REASON}; ${what}; not retried` };
  }
  if (!attempt.failure.retryable) return { retry: false, reason: what };
  const rule = firstMatchingRule(strategy.evaluateOnExit, attempt);
  if (rule?.action === 'EXIT') return { retry: false, reason: `${what}; ${describeRule(rule)} says EXIT` };
  const allowed = strategy.attempts;
  if (failed >= allowed) return { retry: false, reason: `${what} (no attempts left)` };
  const delayMs = strategy.backoff ? backoffDelayMs(strategy.backoff, failed, random) : 0;
  const by = rule ? `; ${describeRule(rule)} says RETRY` : '';
  const when = delayMs > 0 ? ` in ${formatSeconds(delayMs)} (backoff)` : '';
  return {
    retry: true,
    delayMs,
    reason: `${what}${by}; retrying${when} (${failed} of ${allowed} attempts used)`,
  };
}

/**
 * Whether an ended attempt uses up one of `attempts`: a failed one always; one preempted or stopped from
 * outside (node drain or loss) only with `countInterruptions`; one stopped by a shutdown or lost with its
 * scheduler never (that is the service's doing, not the job's or its node's).
 */
export function countsAsAttempt(
  strategy: RetryStrategy,
  attempt: Pick<Attempt, 'outcome' | 'interruptedBy'>,
) {
  if (attempt.outcome === 'failed') return true;
  if (!strategy.countInterruptions) return false;
  return attempt.outcome === 'preempted' || attempt.interruptedBy === 'terminated';
}

/** How many of `attempts` the ended attempts used. */
export function attemptsUsed(strategy: RetryStrategy, attempts: readonly Attempt[]): number {
  return attempts.filter((a) => a.stoppedAt !== undefined && countsAsAttempt(strategy, a)).length;
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(ms < 10_000 ? 1 : 0))} s`;
}
