// The boundary between the scheduler and where attempts run (this machine, Kubernetes, a simulation).
import type {
  AttemptCheckpoint,
  AttemptFailure,
  AttemptProgress,
  AttemptRequest,
  AttemptSuccess,
} from '../../runner/protocol.ts';
import type { NodeState, Placement } from '../core/types.ts';

export type AttemptOutcome =
  | { kind: 'succeeded'; result: AttemptSuccess }
  | { kind: 'failed'; failure: AttemptFailure; exitCode?: number }
  /**
   * Stopped by the service (shutdown), a user (cancel), the scheduler (preempt) or from outside the service
   * (terminated: SIGTERM to the runner, e.g. a node drain): not the job's fault. An inference attempt
   * stopped other than by cancel saved `checkpoint`, which the next attempt resumes from.
   */
  | { kind: 'interrupted'; by: InterruptCause; reason: string; checkpoint?: AttemptCheckpoint };

/** Who stopped an attempt: the service going down, a user, the scheduler making room, or the node. */
export type InterruptCause = 'shutdown' | 'cancel' | 'preempt' | 'terminated';

export interface AttemptHooks {
  onStarted(backend?: string): void;
  onProgress(progress: AttemptProgress): void;
}

export interface Executor {
  /** The nodes of this compute environment at full capacity (nothing allocated). */
  nodes(): NodeState[];
  /** Runs one attempt on the placement the core chose; resolves when it has ended, never rejects. */
  run(request: AttemptRequest, placement: Placement, hooks: AttemptHooks): Promise<AttemptOutcome>;
  /**
   * Stops a running attempt; its run() resolves as interrupted. A cancel stops it at once and leaves
   * nothing; shutdown and preempt let it finish its batch and save a checkpoint within the grace period.
   */
  interrupt(jobId: string, by: InterruptCause, reason: string): void;
  /** Interrupts everything still running and releases resources (warm processes). */
  close(): Promise<void>;
}
