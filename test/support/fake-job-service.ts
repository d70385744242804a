// FakeJobService: an in-memory test double of api/job-service.ts, with hooks to script outcomes.
import { ConflictError, UnprocessableJobError, ValidationError } from '../../api/errors.ts';
import type {
  ComputeEnvironmentView,
  JobPage,
  JobService,
  ListJobsQuery,
  SubmitOrigin,
  SubmitOutcome,
} from '../../api/job-service.ts';
import type { JobSpec } from '../../api/schemas/job-spec.ts';
import { type JobRecord, TERMINAL_STATUSES } from '../../scheduler/job-record.ts';

export interface FakeJobServiceOptions {
  /** Queues that exist; a spec naming another is rejected with 422 like the real service. Default ['default']. */
  queues?: string[];
  now?: () => number;
}

export class FakeJobService implements JobService {
  /** Every spec submit() received, in order, so tests can see exactly what the API passed on. */
  readonly submitted: JobSpec[] = [];
  readonly #queues: string[];
  readonly #now: () => number;
  readonly #jobs = new Map<string, JobRecord>();
  readonly #jobIdByIdempotencyKey = new Map<string, string>();
  readonly #pollScripts = new Map<string, Partial<JobRecord>[]>();
  #submitError: Error | undefined;
  #readiness = { ready: true, detail: 'fake job service' };
  #nextId = 1;

  constructor(options: FakeJobServiceOptions = {}) {
    this.#queues = options.queues ?? ['default'];
    this.#now = options.now ?? Date.now;
  }

  /** Makes every later submit() throw `error` (e.g. an UnprocessableJobError). */
  rejectSubmitsWith(error: Error): void {
    this.#submitError = error;
  }

  setReadiness(ready: boolean, detail: string): void {
    this.#readiness = { ready, detail };
  }

  /** Stores a record as is, for tests that need a job in a given state. */
  put(record: JobRecord): void {
    this.#jobs.set(record.id, structuredClone(record));
  }

  update(id: string, patch: Partial<JobRecord>): void {
    const job = this.#jobs.get(id);
    if (!job) throw new Error(`FakeJobService: no job ${id}`);
    Object.assign(job, structuredClone(patch));
  }

  /** Each later get(id) first applies the next patch, so pollers see the job move on. */
  whenPolled(id: string, patches: Partial<JobRecord>[]): void {
    this.#pollScripts.set(id, [...patches]);
  }

  async submit(spec: JobSpec, origin: SubmitOrigin = {}): Promise<SubmitOutcome> {
    this.submitted.push(spec);
    if (this.#submitError) throw this.#submitError;
    const existingId = spec.idempotencyKey && this.#jobIdByIdempotencyKey.get(spec.idempotencyKey);
    if (existingId) return { job: this.#copy(existingId)!, created: false };
    if (!this.#queues.includes(spec.queue)) {
      throw new UnprocessableJobError(`queue "${spec.queue}" does not exist`, [
        { field: 'queue', message: `unknown queue; known: ${this.#queues.join(', ')}` },
      ]);
    }
    for (const [i, dependency] of (spec.dependsOn ?? []).entries()) {
      if (dependency.jobId === undefined || this.#jobs.has(dependency.jobId)) continue;
      const field = `dependsOn[${i}].jobId`;
      throw new UnprocessableJobError(`${field}: no job with id "${dependency.jobId}"`, [
        { field, message: `no job with id "${dependency.jobId}"` },
      ]);
    }
    const id = `job-${String(this.#nextId++).padStart(6, '0')}`;
    const now = this.#now();
    this.#jobs.set(id, {
      id,
      tenant: origin.tenant ?? 'default',
      spec: structuredClone(spec),
      ...(origin.jobDefinition ? { jobDefinition: origin.jobDefinition } : {}),
      status: 'SUBMITTED',
      statusReason: 'submitted',
      createdAt: now,
      attempts: [],
      events: [{ at: now, status: 'SUBMITTED', reason: 'submitted' }],
    });
    if (spec.idempotencyKey) this.#jobIdByIdempotencyKey.set(spec.idempotencyKey, id);
    return { job: this.#copy(id)!, created: true };
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const next = this.#pollScripts.get(id)?.shift();
    if (next) this.update(id, next);
    return this.#copy(id);
  }

  /** Newest first; the cursor is the offset of the next page, encoded so clients treat it as opaque. */
  async list(query: ListJobsQuery): Promise<JobPage> {
    const matching = [...this.#jobs.values()]
      .filter((job) => query.queue === undefined || job.spec.queue === query.queue)
      .filter((job) => query.status === undefined || job.status === query.status)
      .filter((job) => query.name === undefined || job.spec.name.startsWith(query.name))
      .filter((job) => query.share === undefined || job.spec.shareIdentifier === query.share)
      .filter((job) => query.createdAfter === undefined || job.createdAt > query.createdAfter)
      .filter((job) => query.createdBefore === undefined || job.createdAt < query.createdBefore)
      .reverse();
    const offset = query.cursor === undefined ? 0 : decodeCursor(query.cursor);
    const end = offset + query.limit;
    const jobs = matching.slice(offset, end).map((job) => structuredClone(job));
    return end < matching.length ? { jobs, nextCursor: encodeCursor(end) } : { jobs };
  }

  /** Like the real service: only a job that has not started can be cancelled; a running one is a 409. */
  async cancel(id: string, reason: string): Promise<JobRecord | undefined> {
    const job = this.#jobs.get(id);
    if (!job) return undefined;
    if (TERMINAL_STATUSES.includes(job.status)) throw new ConflictError(`job ${id} is already ${job.status}`);
    if (job.status === 'STARTING' || job.status === 'RUNNING') {
      throw new ConflictError(`job ${id} is ${job.status}: cancel stops only jobs that have not started`);
    }
    this.#fail(job, `cancelled: ${reason}`, 'isCancelled');
    return this.#copy(id);
  }

  /** Like the real service: a STARTING or RUNNING job is only asked to stop; anything earlier fails at once. */
  async terminate(id: string, reason: string): Promise<JobRecord | undefined> {
    const job = this.#jobs.get(id);
    if (!job) return undefined;
    if (TERMINAL_STATUSES.includes(job.status)) throw new ConflictError(`job ${id} is already ${job.status}`);
    if (job.status === 'STARTING' || job.status === 'RUNNING') {
      job.terminateRequested ??= { at: this.#now(), reason };
      return this.#copy(id);
    }
    this.#fail(job, `terminated: ${reason}`, 'isTerminated');
    return this.#copy(id);
  }

  #fail(job: JobRecord, reason: string, flag: 'isCancelled' | 'isTerminated'): void {
    const at = this.#now();
    Object.assign(job, { status: 'FAILED', statusReason: reason, stoppedAt: at, [flag]: true });
    job.events.push({ at, status: 'FAILED', reason });
  }

  /** Array jobs are the real service's (tested through it); here: unknown id or 409. */
  async retryFailed(id: string): Promise<JobRecord | undefined> {
    const job = this.#jobs.get(id);
    if (!job) return undefined;
    throw new ConflictError(`job ${id} is not an array job`);
  }

  async queues(): Promise<string[]> {
    return [...this.#queues];
  }

  /** Compute environments as tests set them (none by default). */
  environments: ComputeEnvironmentView[] = [];

  async computeEnvironments(): Promise<ComputeEnvironmentView[]> {
    return structuredClone(this.environments);
  }

  async ready(): Promise<{ ready: boolean; detail: string }> {
    return { ...this.#readiness };
  }

  #copy(id: string): JobRecord | undefined {
    const job = this.#jobs.get(id);
    return job && structuredClone(job);
  }
}

function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match)
    throw new ValidationError('invalid cursor', [
      { field: 'cursor', message: 'not a cursor from this server' },
    ]);
  return Number(match[1]);
}
