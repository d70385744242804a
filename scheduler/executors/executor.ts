// The boundary between the scheduler and where attempts run (this machine, Kubernetes, a simulation).
import type {
  AttemptFailure,
  AttemptProgress,
  AttemptRequest,
  AttemptSuccess,
} from '../../runner/protocol.ts';
import type { NodeState, Placement } from '../core/types.ts';

export type AttemptOutcome =
  | { kind: 'succeeded'; result: AttemptSuccess }
  | { kind: 'failed'; failure: AttemptFailure; exitCode?: number }
  /** Stopped by the service (shutdown) or a user (cancel): not the job's fault. */
  | { kind: 'interrupted'; by: InterruptCause; reason: string };

/** Who stopped an attempt: the service going down, a user, or the scheduler making room (preemption). */
export type InterruptCause = 'shutdown' | 'cancel' | 'preempt';

export interface AttemptHooks {
  onStarted(backend?: string): void;
  onProgress(progress: AttemptProgress): void;
}

export interface Executor {
  /** The nodes of this compute environment at full capacity (nothing allocated). */
  nodes(): NodeState[];
  /** Runs one attempt on the placement the core chose; resolves when it has ended, never rejects. */
  run(request: AttemptRequest, placement: Placement, hooks: AttemptHooks): Promise<AttemptOutcome>;
  /** Stops a running attempt; its run() resolves as interrupted. */
  interrupt(jobId: string, by: InterruptCause, reason: string): void;
  /** Interrupts everything still running and releases resources (warm processes). */
  close(): Promise<void>;
}
