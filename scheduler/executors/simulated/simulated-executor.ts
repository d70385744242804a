// An executor whose attempts only take time: declared nodes, no runner and no GPU. Each attempt reports
// started at once, progress every second, and ends after its simulated duration on the real clock
// (scheduler/executors/simulated/simulated-duration.ts), or when interrupted. Nothing outlives the process.
import type { AttemptRequest } from '../../../runner/protocol.ts';
import type { SimulatedEnvironment } from '../../config.ts';
import type { NodeState, Placement } from '../../core/types.ts';
import type { AttemptHooks, AttemptOutcome, Executor, InterruptCause } from '../executor.ts';
import { setLongTimeout } from '../long-timeout.ts';
import { simulatedScript } from './simulated-duration.ts';
import { simulatedNodes } from './simulated-nodes.ts';

/** What results and logs name as the engine that "ran" the attempt. */
export const SIMULATED_BACKEND = 'simulated';
export const SIMULATED_FAILURE_CODE = 'SIMULATED_FAILURE';

const PROGRESS_INTERVAL_MS = 1000;

interface Running {
  end(outcome: AttemptOutcome): void;
}

export class SimulatedExecutor implements Executor {
  private readonly declared: NodeState[];
  private readonly defaultSeconds: number;
  private readonly now: () => number;
  private readonly running = new Map<string, Running>();
  private closed = false;

  constructor(
    environment: Pick<SimulatedEnvironment, 'name' | 'nodes' | 'defaultSeconds'>,
    options: { now?: () => number } = {},
  ) {
    this.declared = simulatedNodes(environment);
    this.defaultSeconds = environment.defaultSeconds;
    this.now = options.now ?? Date.now;
  }

  nodes(): NodeState[] {
    return structuredClone(this.declared);
  }

  run(request: AttemptRequest, _placement: Placement, hooks: AttemptHooks): Promise<AttemptOutcome> {
    if (this.closed)
      return Promise.resolve({ kind: 'interrupted', by: 'shutdown', reason: 'executor is shutting down' });
    const script = simulatedScript(request.spec, this.defaultSeconds);
    return new Promise((resolve) => {
      const startedAt = this.now();
      const total = Math.max(1, Math.round(script.durationMs));
      const progress = setInterval(
        () => hooks.onProgress({ done: Math.min(total, this.now() - startedAt), total }),
        PROGRESS_INTERVAL_MS,
      );
      progress.unref();
      let cancelTimer = () => {};
      const end = (outcome: AttemptOutcome) => {
        if (this.running.get(request.jobId) !== attempt) return;
        this.running.delete(request.jobId);
        cancelTimer();
        clearInterval(progress);
        resolve(outcome);
      };
      const attempt: Running = { end };
      this.running.set(request.jobId, attempt);
      hooks.onStarted(SIMULATED_BACKEND);
      cancelTimer = setLongTimeout(() => {
        hooks.onProgress({ done: total, total });
        end(
          script.failure !== undefined
            ? {
                kind: 'failed',
                failure: { code: SIMULATED_FAILURE_CODE, message: script.failure, retryable: true },
              }
            : {
                kind: 'succeeded',
                result: {
                  backend: SIMULATED_BACKEND,
                  output: request.spec.output,
                  rows: 0,
                  details: { simulatedSeconds: script.durationMs / 1000 },
                },
              },
        );
      }, script.durationMs);
    });
  }

  interrupt(jobId: string, by: InterruptCause, reason: string): void {
    this.running.get(jobId)?.end({ kind: 'interrupted', by, reason });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const jobId of [...this.running.keys()])
      this.interrupt(jobId, 'shutdown', 'service is shutting down');
  }

  /** Attempts "running" now (for describe and tests). */
  runningIds(): string[] {
    return [...this.running.keys()];
  }
}
