// Test double for an Executor: nodes are declared, and each attempt waits until the test settles it.
import type { AttemptRequest, AttemptSuccess } from '../../runner/protocol.ts';
import type { NodeState, Placement } from '../../scheduler/core/types.ts';
import type {
  AttemptHooks,
  AttemptOutcome,
  Executor,
  InterruptCause,
} from '../../scheduler/executors/executor.ts';

export interface FakeAttempt {
  request: AttemptRequest;
  placement: Placement;
  hooks: AttemptHooks;
  settle(outcome: AttemptOutcome): void;
}

export class FakeExecutor implements Executor {
  readonly attempts: FakeAttempt[] = [];
  /** The most attempts that ran at the same time. */
  maxRunning = 0;
  private readonly running = new Map<string, FakeAttempt>();
  private readonly waiters: Array<() => void> = [];
  private readonly declared: NodeState[];
  private closed = false;

  constructor(nodes: NodeState[]) {
    this.declared = nodes;
  }

  nodes(): NodeState[] {
    return structuredClone(this.declared);
  }

  run(request: AttemptRequest, placement: Placement, hooks: AttemptHooks): Promise<AttemptOutcome> {
    // As the real executors do: a job placed just before shutdown must not wait on an attempt nobody settles.
    if (this.closed) {
      return Promise.resolve({ kind: 'interrupted', by: 'shutdown', reason: 'executor is shutting down' });
    }
    return new Promise((resolve) => {
      const attempt: FakeAttempt = {
        request,
        placement,
        hooks,
        settle: (outcome) => {
          this.running.delete(request.jobId);
          resolve(outcome);
        },
      };
      this.attempts.push(attempt);
      this.running.set(request.jobId, attempt);
      this.maxRunning = Math.max(this.maxRunning, this.running.size);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  interrupt(jobId: string, by: InterruptCause, reason: string): void {
    this.running.get(jobId)?.settle({ kind: 'interrupted', by, reason });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const jobId of [...this.running.keys()])
      this.interrupt(jobId, 'shutdown', 'service is shutting down');
  }

  /** Resolves with the running attempt of a job once it has started. */
  async started(jobId: string, timeoutMs = 10_000): Promise<FakeAttempt> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const attempt = this.running.get(jobId);
      if (attempt) return attempt;
      if (Date.now() > deadline) throw new Error(`job ${jobId} did not start within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  isRunning(jobId: string): boolean {
    return this.running.has(jobId);
  }

  /** Ids of the jobs running now. */
  runningIds(): string[] {
    return [...this.running.keys()];
  }
}

export const success = (output = '/tmp/out.npy'): AttemptOutcome => ({
  kind: 'succeeded',
  result: { backend: 'fake:cpu', output, rows: 1 } satisfies AttemptSuccess,
});

export const failure = (code: string, retryable: boolean): AttemptOutcome => ({
  kind: 'failed',
  failure: { code, message: `${code} happened`, retryable },
});
