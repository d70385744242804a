// The pub/sub message that tells the leader to drop a waiting job or stop its attempt: written by the API
// process (cancel, terminate) and by dependency handling, read by the leader. One format, defined here.
import type { Redis } from 'ioredis';
import type { Keys } from './keys.ts';

export interface CancelMessage {
  jobId: string;
  reason: string;
}

export async function publishCancel(redis: Redis, keys: Keys, jobId: string, reason: string): Promise<void> {
  await redis.publish(keys.cancelChannel, JSON.stringify({ jobId, reason } satisfies CancelMessage));
}

/** The message, or undefined for one that is not ours (the record's terminateRequested still tells). */
export function parseCancel(message: string): CancelMessage | undefined {
  let parsed: Partial<CancelMessage> | null;
  try {
    parsed = JSON.parse(message) as Partial<CancelMessage> | null;
  } catch {
    return undefined;
  }
  if (typeof parsed?.jobId !== 'string' || typeof parsed.reason !== 'string') return undefined;
  return { jobId: parsed.jobId, reason: parsed.reason };
}
