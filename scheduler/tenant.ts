// Tenancy's one constant: the tenant of jobs stored before tenancy existed, and of callers without one.

/** Records without a `tenant` (written before tenancy) belong to this tenant; so does an anonymous caller. */
export const DEFAULT_TENANT = 'default';

/** The statuses that count against a tenant's maxQueuedJobs: submitted and not started yet. */
export const QUEUED_STATUSES = ['SUBMITTED', 'PENDING', 'RUNNABLE'] as const;
