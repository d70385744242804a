// Kubernetes API calls that may meet a transient failure (5xx, 429, a reset connection): retried with
// backoff, honouring Retry-After. Anything else (4xx) is the caller's to handle.
import { ApiException } from '@kubernetes/client-node';

export function statusCode(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/** The Status message of an ApiException (client-node 2.x leaves the raw response text in `body`). */
export function statusMessage(error: unknown): string {
  if (error instanceof ApiException) {
    try {
      const status = JSON.parse(String(error.body)) as { message?: string };
      if (status.message) return `HTTP ${error.code}: ${status.message}`;
    } catch {
      // not a Status: fall through
    }
    return `HTTP ${error.code}`;
  }
  return error instanceof Error ? error.message : String(error);
}

function transient(error: unknown): boolean {
  const code = statusCode(error);
  return code === undefined || code === 429 || code >= 500;
}

export interface RetryOptions {
  attempts?: number;
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Stop retrying (e.g. the executor is closing). */
  abandoned?: () => boolean;
}

export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 8;
  let delay = options.minDelayMs ?? 50;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!transient(error) || attempt >= attempts || options.abandoned?.()) throw error;
      const retryAfter = Number((error as ApiException<unknown>).headers?.['retry-after']);
      const wait =
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : delay * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, wait));
      delay = Math.min(delay * 2, options.maxDelayMs ?? 5000);
    }
  }
}
