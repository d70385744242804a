// The runner process: started by an executor with child_process.fork, it runs one attempt at a time over
// the IPC channel (runner/protocol.ts) and stays warm between attempts (gpu.js instance, ONNX sessions).
//
// Failure policy: an attempt that fails, even with an unexpected error, is reported as failed and the
// process stays ready, because each attempt's state is its own. An exception that escapes every attempt
// (uncaughtException, unhandledRejection) means the process state is unknown: report the running attempt
// as failed (INTERNAL, retryable), then exit(1) so the executor starts a fresh process.
//
// Interrupts: an `interrupt` message stops the attempt after its current batch with a checkpoint saved
// and reports `interrupted`; the process stays warm. SIGTERM (preemption, node drain, shutdown) does the
// same (as does SIGINT), then exits with EXIT_INTERRUPTED (75) so whoever watches the process knows a
// checkpoint is there.
import { setArrayIndexEnv } from './array-env.ts';
import { AttemptInterrupted, asRunnerError, RunnerError } from './errors.ts';
import {
  type AttemptProgress,
  type AttemptRequest,
  EXIT_INTERRUPTED,
  type ParentMessage,
  type RunnerMessage,
} from './protocol.ts';
import { runAttempt } from './run-attempt.ts';

/** The protocol promises a progress message at least every 2 s while an attempt runs. */
const HEARTBEAT_MS = 1000;
/** Progress is sent at most this often; the latest value is kept for the next send. */
const PROGRESS_MIN_INTERVAL_MS = 200;
/** How long 'started' waits for the backend to be known before it goes without it (the result has it). */
const STARTED_WAIT_MS = 1000;

interface CurrentAttempt {
  request: AttemptRequest;
  controller: AbortController;
  /** Stop at the next batch boundary and keep a checkpoint (not a cancel). */
  interrupter: AbortController;
  /** Progress is reported only after 'started', which waits a little for the backend to be known. */
  started: boolean;
  acceptedAt: number;
  progress: AttemptProgress;
  lastSentAt: number;
  heartbeat: NodeJS.Timeout;
}

let current: CurrentAttempt | undefined;
/** SIGTERM arrived: exit once the running attempt (if any) has reported how it ended. */
let terminating = false;

function send(message: RunnerMessage, then?: () => void): void {
  if (!process.connected) {
    then?.();
    return;
  }
  process.send?.(message, undefined, {}, () => then?.());
}

function sendProgress(attempt: CurrentAttempt): void {
  if (!attempt.started) return;
  attempt.lastSentAt = Date.now();
  const { jobId, attempt: number } = attempt.request;
  send({ type: 'progress', jobId, attempt: number, progress: { ...attempt.progress } });
}

function markStarted(attempt: CurrentAttempt, backend?: string): void {
  if (attempt.started) return;
  attempt.started = true;
  const { jobId, attempt: number } = attempt.request;
  send({ type: 'started', jobId, attempt: number, ...(backend ? { backend } : {}) });
  sendProgress(attempt);
}

async function run(request: AttemptRequest): Promise<void> {
  const attempt: CurrentAttempt = {
    request,
    controller: new AbortController(),
    interrupter: new AbortController(),
    started: false,
    acceptedAt: Date.now(),
    progress: { done: 0, total: 0 },
    lastSentAt: 0,
    heartbeat: setInterval(() => {
      if (!attempt.started && Date.now() - attempt.acceptedAt >= STARTED_WAIT_MS) markStarted(attempt);
      if (Date.now() - attempt.lastSentAt >= HEARTBEAT_MS) sendProgress(attempt);
    }, HEARTBEAT_MS / 4),
  };
  current = attempt;
  const { jobId, attempt: number } = request;
  const restoreEnv = setArrayIndexEnv(request.arrayIndex);
  let exitCode = 0;
  let last: RunnerMessage;
  try {
    const result = await runAttempt(request, {
      signal: attempt.controller.signal,
      interrupt: attempt.interrupter.signal,
      onBackend: (backend) => markStarted(attempt, backend),
      onProgress: (progress) => {
        attempt.progress = progress;
        if (Date.now() - attempt.lastSentAt >= PROGRESS_MIN_INTERVAL_MS) sendProgress(attempt);
      },
    });
    markStarted(attempt, result.backend);
    attempt.progress = { done: result.rows, total: result.rows };
    sendProgress(attempt);
    last = { type: 'succeeded', jobId, attempt: number, result };
  } catch (error) {
    if (error instanceof AttemptInterrupted) {
      exitCode = EXIT_INTERRUPTED;
      const { checkpoint } = error;
      last = { type: 'interrupted', jobId, attempt: number, ...(checkpoint ? { checkpoint } : {}) };
    } else {
      exitCode = 1;
      last = { type: 'failed', jobId, attempt: number, failure: asRunnerError(error).toFailure() };
    }
  } finally {
    clearInterval(attempt.heartbeat);
    restoreEnv();
    current = undefined;
  }
  send(last, () => {
    if (terminating) process.exit(exitCode);
  });
}

function onMessage(message: ParentMessage): void {
  if (message.type === 'run') {
    const { jobId, attempt } = message.request;
    if (terminating) {
      const stopping = new RunnerError('BUSY', 'this runner is shutting down (SIGTERM)');
      send({ type: 'failed', jobId, attempt, failure: stopping.toFailure() });
      return;
    }
    if (current) {
      const busy = new RunnerError('BUSY', `this runner is already running job ${current.request.jobId}`);
      send({ type: 'failed', jobId, attempt, failure: busy.toFailure() });
      return;
    }
    void run(message.request);
  } else if (message.type === 'cancel') {
    if (current?.request.jobId === message.jobId) current.controller.abort();
  } else if (message.type === 'interrupt') {
    if (current?.request.jobId === message.jobId) current.interrupter.abort();
  }
}

/** Finish the current batch, save the checkpoint, report, exit (EXIT_INTERRUPTED); idle: exit at once. */
function onTerminate(): void {
  terminating = true;
  if (current) current.interrupter.abort();
  else process.exit(0);
}

function onFatal(error: unknown): void {
  const failure = new RunnerError('INTERNAL', `runner crashed: ${asRunnerError(error).message}`).toFailure();
  console.error('runner: fatal error', error);
  if (current && process.connected) {
    const { jobId, attempt } = current.request;
    send({ type: 'failed', jobId, attempt, failure }, () => process.exit(1));
    // If the parent never drains the channel, do not linger.
    setTimeout(() => process.exit(1), 1000).unref();
  } else {
    process.exit(1);
  }
}

function main(): void {
  if (!process.send) {
    console.error(
      'runner/main.ts is started by an executor with child_process.fork (it needs an IPC channel)',
    );
    process.exit(2);
  }
  process.on('message', (message) => onMessage(message as ParentMessage));
  // The parent is gone: nobody will read the result, so stop before writing anything more.
  process.on('disconnect', () => process.exit(0));
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  process.on('SIGTERM', onTerminate);
  // Ctrl-C on `gpubatch up` reaches the whole process group: checkpoint as on SIGTERM, not die mid-batch.
  process.on('SIGINT', onTerminate);
  send({ type: 'ready' });
}

if (process.env.GPUBATCH_ATTEMPT) {
  // A Kubernetes job pod: one attempt, no IPC (runner/one-shot.ts).
  const { runOneShot } = await import('./one-shot.ts');
  process.exitCode = await runOneShot(process.env.GPUBATCH_ATTEMPT);
} else {
  main();
}
