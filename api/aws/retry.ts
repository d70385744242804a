// retryStrategy and timeout: AWS Batch's fields map one to one onto the job spec's retry and timeoutSeconds.
import { z } from 'zod';
import { RETRY_LIMITS, RetryRuleSchema } from '../schemas/retry-strategy.ts';

export const AwsRetryStrategySchema = z.strictObject({
  attempts: z.int().min(1).max(RETRY_LIMITS.attempts).optional(),
  evaluateOnExit: z.array(RetryRuleSchema).max(RETRY_LIMITS.evaluateOnExit).optional(),
});
export type AwsRetryStrategy = z.output<typeof AwsRetryStrategySchema>;

/** AWS Batch's minimum is 60 seconds; the native API allows less. */
export const AwsTimeoutSchema = z.strictObject({
  attemptDurationSeconds: z.int().min(60, 'at least 60 seconds (AWS Batch minimum)').optional(),
});

export function retryFromAws(strategy: AwsRetryStrategy | undefined) {
  if (!strategy) return undefined;
  return {
    attempts: strategy.attempts ?? 1,
    ...(strategy.evaluateOnExit ? { evaluateOnExit: strategy.evaluateOnExit } : {}),
  };
}

export function retryToAws(
  retry: { attempts: number; evaluateOnExit?: AwsRetryStrategy['evaluateOnExit'] } | undefined,
) {
  if (!retry) return undefined;
  return {
    attempts: retry.attempts,
    ...(retry.evaluateOnExit ? { evaluateOnExit: retry.evaluateOnExit } : {}),
  };
}
