// Messages between an executor and a runner process (Node IPC, one attempt at a time per process).
import type { JobSpec } from '../api/schemas/job-spec.ts';

/** Everything a runner needs for one attempt. Paths are absolute or relative to `cwd`. */
export interface AttemptRequest {
  jobId: string;
  attempt: number;
  spec: JobSpec;
  /** Working directory that relative input/output/model paths resolve against. */
  cwd: string;
  /** The only directories the job may read and write under (absolute); absent: `cwd` alone. */
  dataRoots?: string[];
  /** GPU indices assigned on this node (the runner process's CUDA_VISIBLE_DEVICES). */
  gpuIndices: number[];
  /** An array child's index: GPUBATCH_ARRAY_INDEX (and AWS_BATCH_JOB_ARRAY_INDEX) while it runs. */
  arrayIndex?: number;
}

export interface AttemptProgress {
  done: number;
  total: number;
}

export interface AttemptSuccess {
  /** Which engine ran it, e.g. "gpu.js:webasm" or "onnxruntime:cpu". */
  backend: string;
  /** Absolute path of the committed output. */
  output: string;
  /** Rows processed. */
  rows: number;
  details?: Record<string, unknown>;
}

/** Error codes a runner reports; `retryable` decides whether another attempt may help. */
export interface AttemptFailure {
  code: string;
  message: string;
  retryable: boolean;
}

/**
 * The failure code of an attempt stopped for running longer than the spec's timeoutSeconds (AWS Batch's
 * attemptDurationSeconds). Every executor reports it so; the scheduler never retries it.
 */
export const ATTEMPT_TIMEOUT_CODE = 'TIMEOUT';

/**
 * The exit code of a runner that stopped on SIGTERM with its attempt interrupted (checkpoint saved), as
 * EX_TEMPFAIL: try again later. An executor treats it as an interruption, not a failed attempt.
 */
export const EXIT_INTERRUPTED = 75;

/** Where an interrupted inference attempt stopped: rows [start, nextRow) are saved, the next resumes. */
export interface AttemptCheckpoint {
  nextRow: number;
  start: number;
  end: number;
}

export type ParentMessage =
  | { type: 'run'; request: AttemptRequest }
  /** Stop now and leave nothing (a user's cancel). */
  | { type: 'cancel'; jobId: string }
  /** Stop after the current batch and save a checkpoint (preemption, shutdown); the process stays warm. */
  | { type: 'interrupt'; jobId: string };

export type RunnerMessage =
  | { type: 'ready' }
  | { type: 'started'; jobId: string; attempt: number; backend?: string }
  | { type: 'progress'; jobId: string; attempt: number; progress: AttemptProgress }
  | { type: 'succeeded'; jobId: string; attempt: number; result: AttemptSuccess }
  | { type: 'failed'; jobId: string; attempt: number; failure: AttemptFailure }
  | { type: 'interrupted'; jobId: string; attempt: number; checkpoint?: AttemptCheckpoint };

/**
 * What a one-shot runner (a Kubernetes job pod) leaves as its container's termination message: the
 * attempt's result, read by the executor from the pod's status (at most 4 KiB). `interrupted`: it stopped
 * on SIGTERM after saving `checkpoint` (exit code EXIT_INTERRUPTED).
 */
export type AttemptReport =
  | { type: 'succeeded'; result: AttemptSuccess }
  | { type: 'failed'; failure: AttemptFailure }
  | { type: 'interrupted'; checkpoint?: AttemptCheckpoint };

/** The termination message's size limit (Kubernetes truncates beyond it). */
export const MAX_REPORT_BYTES = 4096;
