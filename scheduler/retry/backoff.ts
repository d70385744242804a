// Exponential backoff with jitter between attempts (AWS Batch has none). Pure: the randomness is passed in.
import type { Backoff } from '../../api/schemas/retry-strategy.ts';

/**
 * Milliseconds to wait before the next attempt after `failures` failed ones (1 = before the second attempt):
 * `min(maxSeconds, initialSeconds * factor^(failures-1))`, plus up to `jitter` of that at random. Jitter only
 * adds, so the delay is never shorter than the exponential part; `random` returns [0, 1).
 */
export function backoffDelayMs(backoff: Backoff, failures: number, random: () => number): number {
  const exponent = Math.max(0, failures - 1);
  const seconds = Math.min(backoff.maxSeconds, backoff.initialSeconds * backoff.factor ** exponent);
  return Math.round(seconds * 1000 * (1 + backoff.jitter * random()));
}
