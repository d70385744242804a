// What the system remembers about a job: AWS Batch's states, every transition with a reason.
import type { JobSpec } from '../api/schemas/job-spec.ts';

export const JOB_STATUSES = [
  'SUBMITTED',
  'PENDING',
  'RUNNABLE',
  'STARTING',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_STATUSES: readonly JobStatus[] = ['SUCCEEDED', 'FAILED'];

export interface AttemptPlacement {
  node: string;
  gpuIndices: number[];
  gpuMilliPerGpu: number;
}

export interface Attempt {
  /** 1-based attempt number. */
  number: number;
  placement: AttemptPlacement;
  /** The compute environment of its node (absent on attempts recorded before environments were named). */
  computeEnvironment?: string;
  startedAt: number;
  stoppedAt?: number;
  /** e.g. "onnxruntime:cpu", "gpu.js:webasm"; set once the runner knows. */
  backend?: string;
  exitCode?: number;
  /** How it ended: only `failed` attempts count against the retry strategy. */
  outcome?: 'succeeded' | 'failed' | 'interrupted' | 'preempted' | 'lost';
  /** Why the attempt ended (empty while it runs). */
  reason?: string;
  /** Who stopped an interrupted or preempted attempt (the executor's interrupt cause). */
  interruptedBy?: 'shutdown' | 'cancel' | 'preempt' | 'terminated';
  /** An interrupted inference attempt's saved progress: the next attempt resumes at `nextRow`. */
  checkpoint?: { nextRow: number; start: number; end: number };
}

export interface JobProgress {
  done: number;
  total: number;
  /** Epoch ms of the runner's last report. */
  at: number;
}

export interface JobResult {
  backend: string;
  output: string;
  rows: number;
  details?: Record<string, unknown>;
}

export interface JobEvent {
  at: number;
  status: JobStatus;
  reason: string;
}

export interface JobRecord {
  id: string;
  /**
   * Who owns it: the submitting caller's tenant (array children and retries keep their parent's). Only its
   * tenant's callers and admins see it. Records stored before tenancy read as DEFAULT_TENANT.
   */
  tenant: string;
  spec: JobSpec;
  /** "name:revision" of the job definition it was submitted from, if any. */
  jobDefinition?: string;
  status: JobStatus;
  statusReason: string;
  createdAt: number;
  startedAt?: number;
  stoppedAt?: number;
  attempts: Attempt[];
  progress?: JobProgress;
  result?: JobResult;
  events: JobEvent[];
  /** Set when a user asked to terminate a STARTING or RUNNING job; the leader stops the attempt. */
  terminateRequested?: { at: number; reason: string };
  /** FAILED because it was cancelled before it started (by a user, or the queue's maxRunnableSeconds). */
  isCancelled?: boolean;
  /** FAILED because a user terminated it. */
  isTerminated?: boolean;
  /** A RUNNABLE job waiting out its retry backoff: not placed before this time (ms). */
  notBefore?: number;
  /** For a RUNNABLE job: when the scheduler expects it to start (ms), by simulating the queue forward. */
  estimatedStartAt?: number;
  /** For a RUNNABLE job: cheap hints at what would let it run sooner. */
  suggestions?: string[];
  /** Array jobs (AWS Batch's shape): the parent has `size` and `statusSummary`, a child its `index`. */
  arrayProperties?: ArrayProperties;
  /** Attempts made before the last retry-failed request; `retry.attempts` counts the ones after. */
  retryBase?: number;
}

export interface ArrayProperties {
  size?: number;
  index?: number;
  /** The parent's children per status (read from counters kept beside it, not stored in the record). */
  statusSummary?: Partial<Record<JobStatus, number>>;
}
