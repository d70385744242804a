// How long a simulated attempt "runs", and whether it fails: read from the job's params, so a demo or a
// test can script its jobs without a runner.
import type { JobSpec } from '../../../api/schemas/job-spec.ts';

export interface SimulatedScript {
  /** Milliseconds until the attempt ends. */
  durationMs: number;
  /** When set, the attempt fails with this message (code SIMULATED_FAILURE, retryable) instead of succeeding. */
  failure?: string;
}

/** `params.simulatedSeconds` (a number >= 0), else `defaultSeconds`; `params.simulatedFailure` (a string). */
export function simulatedScript(spec: Pick<JobSpec, 'params'>, defaultSeconds: number): SimulatedScript {
  const seconds = spec.params['simulatedSeconds'];
  const failure = spec.params['simulatedFailure'];
  return {
    durationMs:
      (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds : defaultSeconds) *
      1000,
    ...(typeof failure === 'string' && failure.length > 0 ? { failure } : {}),
  };
}
