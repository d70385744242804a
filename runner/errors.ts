// Typed attempt failures: the code says what went wrong, `retryable` says whether another attempt may help.
import type { AttemptCheckpoint, AttemptFailure } from './protocol.ts';

/** Every code a runner reports, with whether a new attempt could succeed where this one failed. */
export const RUNNER_ERROR_CODES = {
  UNKNOWN_KERNEL: false,
  BAD_PARAMS: false,
  MODEL_NOT_FOUND: false,
  MODEL_INVALID: false,
  INPUT_NOT_FOUND: false,
  INPUT_MALFORMED: false,
  OUTPUT_UNSUPPORTED: false,
  /** A path leads outside the compute environment's data roots (`..`, elsewhere, or through a symlink). */
  PATH_NOT_ALLOWED: false,
  /** Writing the output failed (disk full, permissions): the environment may be better next time. */
  OUTPUT_FAILED: true,
  /** A user asked for it: retrying would undo the cancellation. */
  CANCELLED: false,
  /** The runner process already runs an attempt; the executor may place this one again. */
  BUSY: true,
  /** Anything unexpected: a bug or a flaky environment, so it is worth one more attempt. */
  INTERNAL: true,
} as const satisfies Record<string, boolean>;

export type RunnerErrorCode = keyof typeof RUNNER_ERROR_CODES;

export class RunnerError extends Error {
  readonly code: RunnerErrorCode;
  readonly retryable: boolean;
  constructor(code: RunnerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RunnerError';
    this.code = code;
    this.retryable = RUNNER_ERROR_CODES[code];
  }

  toFailure(): AttemptFailure {
    return { code: this.code, message: this.message, retryable: this.retryable };
  }
}

/** Whatever was thrown, as a RunnerError: aborts become CANCELLED, anything unknown INTERNAL. */
export function asRunnerError(error: unknown): RunnerError {
  if (error instanceof RunnerError) return error;
  if (error instanceof Error && error.name === 'AbortError') {
    return new RunnerError('CANCELLED', 'the attempt was cancelled', { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new RunnerError('INTERNAL', `unexpected error: ${message}`, { cause: error });
}

/**
 * Not a failure: the attempt was asked to stop (SIGTERM, preemption, shutdown) and did. An inference
 * attempt stops after its current batch and carries the checkpoint the next attempt resumes from; a kernel
 * attempt has none (it starts over).
 */
export class AttemptInterrupted extends Error {
  readonly checkpoint?: AttemptCheckpoint;
  constructor(message: string, checkpoint?: AttemptCheckpoint) {
    super(message);
    this.name = 'AttemptInterrupted';
    if (checkpoint) this.checkpoint = checkpoint;
  }
}
