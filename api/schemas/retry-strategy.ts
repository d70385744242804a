// The retry strategy of a job spec: AWS Batch's `attempts` and `evaluateOnExit`, plus exponential backoff.
import { z } from 'zod';

export const RETRY_LIMITS = {
  attempts: 10,
  /** AWS Batch allows up to 5 rules; more is a mistake worth naming. */
  evaluateOnExit: 5,
  patternLength: 512,
  backoffSeconds: 24 * 3600,
  backoffFactor: 10,
} as const;

const pattern = (what: string) =>
  z
    .string()
    .min(1)
    .max(RETRY_LIMITS.patternLength)
    .describe(`Glob against ${what}: "*" matches any run of characters, anything else itself; whole string.`);

export const RetryRuleSchema = z
  .strictObject({
    onExitCode: pattern("the attempt's exit code in decimal")
      .regex(/^[0-9*]+$/, 'digits and "*" only, e.g. "3" or "13*"')
      .optional(),
    onReason: pattern("the attempt's typed failure code, e.g. TIMEOUT, INTERNAL, OOMKilled").optional(),
    onStatusReason: pattern("the attempt's failure message").optional(),
    action: z
      .string()
      .regex(/^(retry|exit)$/i, 'RETRY or EXIT')
      .describe('RETRY or EXIT (any case): what to do when every condition given matches.'),
  })
  .refine((rule) => rule.onExitCode ?? rule.onReason ?? rule.onStatusReason, {
    message: 'a rule needs at least one of onExitCode, onReason, onStatusReason',
  });

export const BackoffSchema = z
  .strictObject({
    initialSeconds: z
      .number()
      .positive()
      .max(RETRY_LIMITS.backoffSeconds)
      .describe('Delay before the second attempt; fractions allowed.'),
    factor: z
      .number()
      .min(1)
      .max(RETRY_LIMITS.backoffFactor)
      .default(2)
      .describe('Each later delay is the previous one times this.'),
    maxSeconds: z
      .number()
      .positive()
      .max(RETRY_LIMITS.backoffSeconds)
      .default(3600)
      .describe('Cap on the exponential part of the delay.'),
    jitter: z
      .number()
      .min(0)
      .max(1)
      .default(0.2)
      .describe('Adds up to this fraction of the delay at random, so failed jobs do not return in step.'),
  })
  .refine((b) => b.maxSeconds >= b.initialSeconds, {
    message: 'maxSeconds must be at least initialSeconds',
    path: ['maxSeconds'],
  });

export const RetryStrategySchema = z
  .strictObject({
    attempts: z
      .int()
      .min(1)
      .max(RETRY_LIMITS.attempts)
      .default(1)
      .describe('How many attempts in all (1 means no retry).'),
    evaluateOnExit: z
      .array(RetryRuleSchema)
      .max(RETRY_LIMITS.evaluateOnExit)
      .optional()
      .describe(
        'Up to 5 rules, tried in order; the first whose given conditions all match decides. No match: retry.',
      ),
    backoff: BackoffSchema.optional().describe(
      'Delay between attempts; none means the next attempt is at once.',
    ),
    countInterruptions: z
      .boolean()
      .optional()
      .describe(
        'Also count attempts stopped by preemption or from outside (node drain or loss) against attempts; by default they run again without using one.',
      ),
  })
  .default({ attempts: 1 });

export type RetryRule = z.output<typeof RetryRuleSchema>;
export type Backoff = z.output<typeof BackoffSchema>;
export type RetryStrategy = z.output<typeof RetryStrategySchema>;
