// How a runner that died without reporting is described: one precise, retryable code per way of dying.
import test from 'ava';
import { runnerExitFailure } from '../../scheduler/executors/local/runner-exit.ts';

const OOM_TAIL =
  '<--- Last few GCs --->\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n';

test('V8 reporting its heap full is RUNNER_OUT_OF_MEMORY, though the process died of SIGABRT', (t) => {
  t.like(runnerExitFailure(null, 'SIGABRT', OOM_TAIL, 48), {
    code: 'RUNNER_OUT_OF_MEMORY',
    message: 'runner ran out of memory: its JavaScript heap reached its limit (runners.maxHeapMiB: 48)',
    retryable: true,
  });
});

test('SIGABRT without that report is a native abort: RUNNER_ABORTED', (t) => {
  t.like(runnerExitFailure(null, 'SIGABRT', 'some earlier log line\n'), {
    code: 'RUNNER_ABORTED',
    retryable: true,
  });
});

test('SIGKILL is RUNNER_KILLED, naming the out-of-memory killer as a possible sender', (t) => {
  const failure = runnerExitFailure(null, 'SIGKILL', '');
  t.is(failure.code, 'RUNNER_KILLED');
  t.regex(failure.message, /out-of-memory killer/);
});

test('any other signal or exit code is RUNNER_CRASHED with what happened', (t) => {
  t.like(runnerExitFailure(null, 'SIGSEGV', ''), {
    code: 'RUNNER_CRASHED',
    message: 'runner process exited unexpectedly (signal SIGSEGV)',
  });
  t.like(runnerExitFailure(3, null, ''), {
    code: 'RUNNER_CRASHED',
    message: 'runner process exited unexpectedly (exit code 3)',
  });
});
