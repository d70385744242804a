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
  | { kind: 'interrupted'; by: InterruptCause; reason: string; checkpoint?: AttemptCheckpoint }
  /**
   * The place the attempt ran went away (a node lost or deleted): not the job's fault, so it runs again
   * without using up a retry (up to a bound, see attempt-driver.ts).
   */
  | { kind: 'lost'; code: string; reason: string }
  /**
   * This process let go of an attempt that goes on without it (a Kubernetes pod outlives a scheduler
   * restart): nothing is recorded, and the next leader re-attaches to it.
   */
  | { kind: 'detached'; reason: string };

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
  /** Interrupts (or, where attempts outlive this process, detaches) everything and releases resources. */
  close(): Promise<void>;
  /**
   * After a scheduler restart: takes over this attempt if it still exists (running or ended but not yet
   * collected) and resolves with its outcome; resolves undefined at once when there is none. Only
   * executors whose attempts outlive the scheduler have it.
   */
  reattach?(
    request: AttemptRequest,
    placement: Placement,
    hooks: AttemptHooks,
  ): Promise<AttemptOutcome | undefined>;
  /** The compute environment a node belongs to, where one executor serves several (recorded on attempts). */
  environmentOf?(node: string): string | undefined;
  /** Calls `listener` when capacity changed outside run() (a node joined, left, recovered). */
  onCapacityChange?(listener: () => void): void;
  /** The attempt's outcome is recorded: what is left of it (a finished pod) may go. */
  forget?(jobId: string, attempt: number): void;
  /** Attempts the executor sees that nobody in this process drives (left by a previous leader). */
  undriven?(): UndrivenAttempt[];
  /** Stops and removes an attempt that belongs to no job attempt any more (an orphan). */
  removeOrphan?(attempt: UndrivenAttempt): Promise<void>;
}

export interface UndrivenAttempt {
  jobId: string;
  attempt: number;
  /** Where it is, for logs (a pod name). */
  name: string;
  /** An attempt that has ended is kept until then (ms) for its logs, then removed. */
  keepUntil?: number;
}
