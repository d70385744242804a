// The embedded default executor: this machine is the one node of the `local` compute environment and
// each attempt runs in a runner child process, so a native crash fails one attempt, not the service.
import {
  ATTEMPT_TIMEOUT_CODE,
  type AttemptCheckpoint,
  type AttemptRequest,
  EXIT_INTERRUPTED,
  type RunnerMessage,
} from '../../../runner/protocol.ts';
import type { NodeState, Placement } from '../../core/types.ts';
import type { AttemptHooks, AttemptOutcome, Executor, InterruptCause } from '../executor.ts';
import { setLongTimeout } from '../long-timeout.ts';
import { type InventoryOverride, localNode } from './inventory.ts';
import { runnerExitFailure } from './runner-exit.ts';
import { RunnerProcess } from './runner-process.ts';

export interface LocalExecutorOptions {
  inventory?: InventoryOverride;
  /**
   * Warm runner processes kept for reuse, at least (process start dominates tiny jobs). More are kept
   * while recent concurrency needs them: as many as were busy at once since the pool last shrank.
   */
  keepWarm?: number;
  idleTimeoutMs?: number;
  /**
   * After a cancel, preemption or shutdown request, how long a runner gets before SIGKILL: enough to
   * finish the batch it is running and save a checkpoint.
   */
  killGraceMs?: number;
  /** Each runner's JavaScript heap limit in MiB (Node's default when absent). */
  maxHeapMiB?: number;
}

interface RunningAttempt {
  runner: RunnerProcess;
  interruptedBy?: { by: InterruptCause; reason: string };
  done: Promise<AttemptOutcome>;
}

interface IdleRunner {
  runner: RunnerProcess;
  timer: NodeJS.Timeout;
}

/** Failure codes after which the process may hold broken state: do not reuse it. */
const DISCARD_AFTER = new Set(['INTERNAL']);

export class LocalExecutor implements Executor {
  private readonly node: NodeState;
  private readonly keepWarm: number;
  /** Most attempts running at once since an idle runner last timed out. */
  private recentPeak = 0;
  private readonly idleTimeoutMs: number;
  private readonly killGraceMs: number;
  private readonly maxHeapMiB?: number;
  private readonly running = new Map<string, RunningAttempt>();
  private idle: IdleRunner[] = [];
  private closed = false;
  private started = 0;

  constructor(options: LocalExecutorOptions = {}) {
    this.node = localNode(options.inventory);
    this.keepWarm = options.keepWarm ?? 4;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
    this.killGraceMs = options.killGraceMs ?? 5_000;
    this.maxHeapMiB = options.maxHeapMiB;
  }

  nodes(): NodeState[] {
    return [structuredClone(this.node)];
  }

  run(request: AttemptRequest, placement: Placement, hooks: AttemptHooks): Promise<AttemptOutcome> {
    if (this.closed) {
      return Promise.resolve({ kind: 'interrupted', by: 'shutdown', reason: 'executor is shutting down' });
    }
    const runner = this.takeIdle(placement.gpuIndices.join(',')) ?? this.fork(placement.gpuIndices.join(','));
    let resolveDone!: (outcome: AttemptOutcome) => void;
    const attempt: RunningAttempt = { runner, done: new Promise((resolve) => (resolveDone = resolve)) };
    this.running.set(request.jobId, attempt);
    this.recentPeak = Math.max(this.recentPeak, this.running.size);
    void this.drive(request, attempt, hooks).then((outcome) => {
      this.running.delete(request.jobId);
      resolveDone(outcome);
    });
    return attempt.done;
  }

  private async drive(
    request: AttemptRequest,
    attempt: RunningAttempt,
    hooks: AttemptHooks,
  ): Promise<AttemptOutcome> {
    const { runner } = attempt;
    try {
      await runner.ready;
    } catch (error) {
      return {
        kind: 'failed',
        failure: { code: 'RUNNER_START_FAILED', message: String(error), retryable: true },
      };
    }
    if (attempt.interruptedBy) {
      this.release(runner, true);
      return { kind: 'interrupted', ...attempt.interruptedBy };
    }
    return new Promise<AttemptOutcome>((resolve) => {
      const cancelTimeout = setLongTimeout(() => {
        runner.kill();
        finish(
          {
            kind: 'failed',
            failure: {
              code: ATTEMPT_TIMEOUT_CODE,
              message: `attempt ran longer than timeoutSeconds (${request.spec.timeoutSeconds} s)`,
              retryable: false, // AWS Batch semantics: a timed-out attempt is not retried
            },
          },
          false,
        );
      }, request.spec.timeoutSeconds * 1000);
      let finished = false;
      const finish = (outcome: AttemptOutcome, reusable: boolean) => {
        if (finished) return;
        finished = true;
        cancelTimeout();
        runner.detach();
        this.release(runner, reusable);
        resolve(
          attempt.interruptedBy && outcome.kind === 'failed'
            ? { kind: 'interrupted', ...attempt.interruptedBy }
            : outcome,
        );
      };
      const onMessage = (message: RunnerMessage) => {
        if ('jobId' in message && message.jobId !== request.jobId) return;
        switch (message.type) {
          case 'started':
            hooks.onStarted(message.backend);
            break;
          case 'progress':
            hooks.onProgress(message.progress);
            break;
          case 'succeeded':
            finish({ kind: 'succeeded', result: message.result }, true);
            break;
          case 'failed':
            finish({ kind: 'failed', failure: message.failure }, !DISCARD_AFTER.has(message.failure.code));
            break;
          case 'interrupted':
            // Asked by someone else (SIGTERM from outside): the process is on its way out, do not reuse it.
            finish(interruptedOutcome(attempt, message.checkpoint), attempt.interruptedBy !== undefined);
            break;
        }
      };
      runner.attach(onMessage, (code, signal) => {
        if (code === EXIT_INTERRUPTED) {
          finish(interruptedOutcome(attempt), false);
          return;
        }
        const failure = runnerExitFailure(code, signal, runner.stderrTail(), this.maxHeapMiB);
        finish({ kind: 'failed', failure, exitCode: code ?? undefined }, false);
      });
      runner.run(request);
    });
  }

  /**
   * Asks the runner to stop; SIGKILL after the grace period if it has not. A cancel aborts and cleans up.
   * A preemption sends `interrupt`: the runner finishes its batch, saves a checkpoint and stays warm. On
   * shutdown the runner gets SIGTERM, does the same and exits (EXIT_INTERRUPTED).
   */
  interrupt(jobId: string, by: InterruptCause, reason: string): void {
    const attempt = this.running.get(jobId);
    if (!attempt || attempt.interruptedBy) return;
    attempt.interruptedBy = { by, reason };
    if (by === 'cancel') attempt.runner.send({ type: 'cancel', jobId });
    else if (by === 'preempt') attempt.runner.send({ type: 'interrupt', jobId });
    else attempt.runner.kill('SIGTERM');
    const killer = setTimeout(() => attempt.runner.kill(), this.killGraceMs);
    void attempt.done.then(() => clearTimeout(killer));
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.running.entries()].map(([jobId, attempt]) => {
      this.interrupt(jobId, 'shutdown', 'service is shutting down');
      return attempt.done;
    });
    await Promise.all(pending);
    for (const { runner, timer } of this.idle) {
      clearTimeout(timer);
      runner.kill('SIGTERM');
    }
    this.idle = [];
  }

  /** Runner processes: how many were ever started, and how many wait warm now (for benches and metrics). */
  runnerStats(): { started: number; idle: number; running: number } {
    return { started: this.started, idle: this.idle.length, running: this.running.size };
  }

  private fork(visibleDevices: string): RunnerProcess {
    this.started++;
    return new RunnerProcess(visibleDevices, { maxHeapMiB: this.maxHeapMiB });
  }

  private takeIdle(visibleDevices: string): RunnerProcess | undefined {
    const index = this.idle.findIndex(
      (entry) => entry.runner.visibleDevices === visibleDevices && !entry.runner.exited,
    );
    if (index < 0) return undefined;
    const [entry] = this.idle.splice(index, 1);
    clearTimeout(entry!.timer);
    return entry!.runner;
  }

  private release(runner: RunnerProcess, reusable: boolean): void {
    if (!reusable || this.closed || runner.exited) {
      runner.kill();
      return;
    }
    if (this.idle.length >= Math.max(this.keepWarm, this.recentPeak)) {
      const oldest = this.idle.shift()!;
      clearTimeout(oldest.timer);
      oldest.runner.kill('SIGTERM');
    }
    const timer = setTimeout(() => {
      this.idle = this.idle.filter((entry) => entry.runner !== runner);
      this.recentPeak = this.running.size + this.idle.length; // the burst is over: let the pool shrink
      runner.kill('SIGTERM');
    }, this.idleTimeoutMs);
    timer.unref();
    this.idle.push({ runner, timer });
  }
}

function interruptedOutcome(attempt: RunningAttempt, checkpoint?: AttemptCheckpoint): AttemptOutcome {
  const { by, reason } = attempt.interruptedBy ?? {
    by: 'terminated' as const,
    reason: 'the runner process was terminated (SIGTERM)',
  };
  return { kind: 'interrupted', by, reason, ...(checkpoint ? { checkpoint } : {}) };
}
