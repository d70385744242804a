// Typed errors of the storage layer; each names what to do about it.

export class RedisUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisUnavailableError';
  }
}

/** Redis answers but is configured so that accepted jobs could be lost (e.g. keys evicted). */
export class RedisConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisConfigError';
  }
}

/** A state change lost a race: the record changed since it was read (retry with a fresh read). */
export class StaleRecordError extends Error {
  constructor(jobId: string) {
    super(`job ${jobId} changed concurrently`);
    this.name = 'StaleRecordError';
  }
}

/** The job is not in a state that allows the change (e.g. cancelling a SUCCEEDED job). */
export class InvalidTransitionError extends Error {
  readonly from: string;
  readonly to: string;
  constructor(jobId: string, from: string, to: string) {
    super(`job ${jobId} cannot go from ${from} to ${to}`);
    this.name = 'InvalidTransitionError';
    this.from = from;
    this.to = to;
  }
}

/** This process is no longer the scheduler leader: its writes are refused (fencing). */
export class FencedError extends Error {
  constructor() {
    super('scheduler lost leadership: write refused by fencing token');
    this.name = 'FencedError';
  }
}

/** A job names a dependency that does not exist (`index` into its dependsOn). */
export class UnknownDependencyError extends Error {
  readonly index: number;
  constructor(index: number) {
    super(`dependsOn[${index}]: no such job`);
    this.name = 'UnknownDependencyError';
    this.index = index;
  }
}

/** An N_TO_N dependency on a job that is not an array of the same size (`index` into dependsOn). */
export class DependencySizeError extends Error {
  readonly index: number;
  constructor(index: number) {
    super(`dependsOn[${index}]: N_TO_N needs an array job of the same size`);
    this.name = 'DependencySizeError';
    this.index = index;
  }
}

/** A submission would take its tenant over its maxQueuedJobs (jobs SUBMITTED, PENDING or RUNNABLE). */
export class TenantQueuedLimitError extends Error {
  readonly tenant: string;
  readonly limit: number;
  readonly queued: number;
  /** How many queued jobs the submission would have added (an array: its size). */
  readonly adding: number;
  constructor(tenant: string, limit: number, queued: number, adding: number) {
    super(`tenant "${tenant}" has ${queued} queued jobs; its maxQueuedJobs is ${limit}`);
    this.name = 'TenantQueuedLimitError';
    this.tenant = tenant;
    this.limit = limit;
    this.queued = queued;
    this.adding = adding;
  }
}
