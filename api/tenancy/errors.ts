// The two refusals tenancy adds to a submission (mapped to problem+json like every ApiError).
import { ApiError } from '../errors.ts';

/** The tenant's settings do not list the queue: 403 naming `queue` (the queue may well exist). */
export class QueueNotAllowedError extends ApiError {
  constructor(tenant: string, queue: string, allowed: readonly string[]) {
    const message = `tenant "${tenant}" may not use queue "${queue}"; its queues: ${allowed.join(', ') || '(none)'}`;
    super(403, 'Forbidden', message, [{ field: 'queue', message }]);
  }
}

/** The submission would take the tenant over its maxQueuedJobs: 429 naming the limit. */
export class QueuedJobLimitError extends ApiError {
  constructor(tenant: string, limit: number, queued: number, adding: number) {
    const message = `tenant "${tenant}" has ${queued} jobs SUBMITTED, PENDING or RUNNABLE and may have at most ${limit}; this request adds ${adding}`;
    super(429, 'Too many queued jobs', message, [{ field: 'maxQueuedJobs', message }]);
  }
}
