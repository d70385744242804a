// What the HTTP layer needs from the rest of the system; the real one lives in scheduler/store.
import type { JobRecord, JobStatus } from '../scheduler/job-record.ts';
import type { JobSpec } from './schemas/job-spec.ts';

export interface ListJobsQuery {
  queue?: string;
  status?: JobStatus;
  /** Name prefix (a trailing "*" already removed). */
  name?: string;
  /** shareIdentifier. */
  share?: string;
  /** Only this tenant's jobs (the routes set it for every caller but an admin). */
  tenant?: string;
  /** Created strictly after / before, epoch ms. */
  createdAfter?: number;
  createdBefore?: number;
  /** Opaque cursor from a previous page's nextCursor. */
  cursor?: string;
  /** Page size, 1..1000. */
  limit: number;
}

export interface JobPage {
  /** Newest first; fewer than `limit` (even none) when selective filters ended the page's scan early. */
  jobs: JobRecord[];
  /** Absent on the last page. */
  nextCursor?: string;
}

export interface SubmitOutcome {
  job: JobRecord;
  /** False when an idempotency key matched an existing job. */
  created: boolean;
}

/** A compute environment with the scheduler leader's latest numbers about it (absent until published). */
export interface ComputeEnvironmentView {
  name: string;
  type: 'local' | 'kubernetes' | 'simulated';
  queues: string[];
  /** DISABLED: nothing new is placed on it (absent where run-time settings are not wired). */
  state?: 'ENABLED' | 'DISABLED';
  /** The scheduler places on at most this many of its nodes. */
  maxNodes?: number;
  /** The autoscaling signal asks for at least this many nodes. */
  minNodes?: number;
  nodes?: number;
  schedulableNodes?: number;
  gpus?: number;
  pendingJobs?: number;
  nodesWanted?: number | null;
  nodeShape?: { gpus: number; gpuModel: string; cpuMilli: number; memoryMiB: number };
  /** Per node, the share of each GPU in use (0..1000, by GPU index). */
  gpuUse?: Array<{ node: string; unschedulable?: boolean; usedMilli: number[] }>;
  updatedAt?: number;
}

/** Where a spec came from, recorded on the job. */
export interface SubmitOrigin {
  /** "name:revision" of the job definition the spec was made from. */
  jobDefinition?: string;
  /** The submitting caller's tenant: the job's (default "default"); its queues and maxQueuedJobs apply. */
  tenant?: string;
  /** An admin's submission may depend on any tenant's jobs; anyone else's only on its tenant's. */
  dependsOnAnyTenant?: boolean;
}

export interface JobService {
  /**
   * Validates beyond the schema (queue exists and the tenant may use it, kernel/model/input usable, fits
   * some node, the tenant's maxQueuedJobs) and enqueues.
   */
  submit(spec: JobSpec, origin?: SubmitOrigin): Promise<SubmitOutcome>;
  get(id: string): Promise<JobRecord | undefined>;
  list(query: ListJobsQuery): Promise<JobPage>;
  /** Fails a job that has not started (`isCancelled`); a STARTING or RUNNING job is a ConflictError. */
  cancel(id: string, reason: string): Promise<JobRecord | undefined>;
  /** Fails a waiting job at once, or stops its running attempt and then fails it (`isTerminated`). */
  terminate(id: string, reason: string): Promise<JobRecord | undefined>;
  /** Runs the FAILED children of a finished array job again; undefined for an unknown id, 409 otherwise. */
  retryFailed(id: string): Promise<JobRecord | undefined>;
  /** Names of the job queues that exist. */
  queues(): Promise<string[]>;
  /** The queues `tenant` may submit to (all when it has no list), or undefined: every queue. */
  allowedQueues?(tenant: string): Promise<readonly string[] | undefined>;
  /** The compute environments, with the autoscaling signal the leader publishes. */
  computeEnvironments(): Promise<ComputeEnvironmentView[]>;
  /** Whether the service can take work (Redis answers, scheduler running). */
  ready(): Promise<{ ready: boolean; detail: string }>;
}
