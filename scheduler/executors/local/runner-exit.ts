// Why a runner process died without reporting its attempt, read from how it exited and the end of what it
// wrote to stderr. Pure, so every way of dying maps to one precise code (retry rules match on it).
import type { AttemptFailure } from '../../../runner/protocol.ts';

/** V8's last words when a heap reaches its limit (then it aborts: SIGABRT, like a native abort). */
const HEAP_EXHAUSTED = /JavaScript heap out of memory|Reached heap limit/;

/**
 * Each is retryable: the process died, not the job's input. A job that dies the same way every time uses
 * up its retry.attempts, or an evaluateOnExit rule on the code stops it sooner.
 */
export function runnerExitFailure(
  code: number | null,
  signal: NodeJS.Signals | null,
  stderrTail: string,
  heapLimitMiB?: number,
): AttemptFailure {
  if (HEAP_EXHAUSTED.test(stderrTail)) {
    const limit = heapLimitMiB ? ` (runners.maxHeapMiB: ${heapLimitMiB})` : '';
    return {
      code: 'RUNNER_OUT_OF_MEMORY',
      message: `runner ran out of memory: its JavaScript heap reached its limit${limit}`,
      retryable: true,
    };
  }
  if (signal === 'SIGKILL') {
    return {
      code: 'RUNNER_KILLED',
      message: 'runner process was killed (SIGKILL: from outside, or by the kernel out-of-memory killer)',
      retryable: true,
    };
  }
  if (signal === 'SIGABRT') {
    return {
      code: 'RUNNER_ABORTED',
      message: 'runner process aborted (SIGABRT: a native abort, e.g. in a GPU or ONNX Runtime library)',
      retryable: true,
    };
  }
  const how = signal ? `signal ${signal}` : `exit code ${code}`;
  return { code: 'RUNNER_CRASHED', message: `runner process exited unexpectedly (${how})`, retryable: true };
}
