// Redis not answering (stopped, restarting, loading its data, unreachable) is not a bug and not the
// client's fault: the API answers 503 with Retry-After and the client tries again. This file tells those
// failures apart from every other error, by what ioredis and Redis say.

/** How long a client should wait before trying again: about one reconnect-and-retry cycle. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/** The job store could not be reached in time; the request may or may not have been applied. */
export class StoreUnavailableError extends Error {
  readonly retryAfterSeconds = STORE_RETRY_AFTER_SECONDS;
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`the job store (Redis) is unavailable: ${reason}`, options);
    this.name = 'StoreUnavailableError';
  }
}

/** ioredis' own messages for a connection that is down or a reply that did not come in time. */
const CLIENT_MESSAGES = [
  /^Command timed out/,
  /^Connection is closed/,
  /^Stream isn't writeable/,
  /^Reached the max retries per request limit/,
];
/**
 * Redis replies that mean "not now": loading its AOF/RDB, a script running too long, failing over, or full
 * (OOM under noeviction: writes are refused until memory is freed, which is the operator's to fix).
 */
const SERVER_REPLIES = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|OOM)\b/;
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTCONN',
]);

/** The error as a StoreUnavailableError when it says Redis is unavailable; undefined for anything else. */
export function asStoreUnavailable(error: unknown): StoreUnavailableError | undefined {
  if (error instanceof StoreUnavailableError) return error;
  if (!(error instanceof Error)) return undefined;
  const code = (error as NodeJS.ErrnoException).code;
  const unavailable =
    error.name === 'MaxRetriesPerRequestError' ||
    CLIENT_MESSAGES.some((pattern) => pattern.test(error.message)) ||
    SERVER_REPLIES.test(error.message) ||
    (code !== undefined && NETWORK_CODES.has(code));
  return unavailable ? new StoreUnavailableError(error.message, { cause: error }) : undefined;
}
