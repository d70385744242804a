// The scheduler core's vocabulary. Pure data: no I/O, no clocks (time is passed in as numbers).

/** One full GPU is 1000 milli; a job may ask for a share of one GPU (gpuMilli < 1000). */
export const MILLI_PER_GPU = 1000;

/** What one job (or one gang member) asks for. */
export interface ResourceRequest {
  /** Whole GPUs on one node. Mutually exclusive with gpuMilli. */
  gpus: number;
  /** A share of one GPU, 1..999; 0 when the job asks for whole GPUs or none. */
  gpuMilli: number;
  /** Allowed GPU models (e.g. ["H100", "A100"]); empty means any model. */
  gpuModel: string[];
  cpuMilli: number;
  memoryMiB: number;
}

export interface GpuState {
  /** Device index on its node, as CUDA_VISIBLE_DEVICES / nvidia-smi number it. */
  index: number;
  model: string;
  /** Free share of this GPU, 0..1000. */
  freeMilli: number;
}

export interface NodeState {
  name: string;
  labels: Record<string, string>;
  gpus: GpuState[];
  cpuMilliTotal: number;
  cpuMilliFree: number;
  memoryMiBTotal: number;
  memoryMiBFree: number;
  /** A node that takes no new work (cordoned, draining, not ready). */
  unschedulable?: boolean;
}

/** The cluster as the core sees it for one cycle: free capacity after running work. */
export interface Snapshot {
  nodes: NodeState[];
  /** Work already running; its capacity is already taken out of `nodes` (preemption, backfill, ETA). */
  running?: RunningJob[];
  /** Now, in ms (real or virtual time): the origin for reservations, backfill windows and ETAs. */
  now?: number;
}

/** A job whose attempt runs now. */
export interface RunningJob {
  id: string;
  queue: string;
  priority: number;
  /** Priority of its job queue (higher is served first); 0 when unset. */
  queuePriority?: number;
  /** Fair-share identifier; '' when the job has none. */
  share?: string;
  /** One placement per gang member (one for an ordinary job). */
  placements: Placement[];
  startedAt: number;
  /** When it will have ended at the latest (start + timeout) or is expected to (observed runtime). */
  expectedEndAt: number;
  /** Its queue lets higher-priority jobs preempt it. */
  preemptible?: boolean;
  /**
   * Asked to stop (preempted) and still holding its capacity during the grace period: not chosen again,
   * and expected to be gone by `by` (ms). The job it makes room for waits for it instead of looking for
   * more victims.
   */
  stopping?: { forJobId: string; by: number };
}

/** A recent job shape and how often it occurs: the workload distribution fragmentation is judged against. */
export interface WorkloadSample {
  resources: ResourceRequest;
  /** Relative frequency (any positive scale). */
  weight: number;
}

/** Weighted dominant-resource fairness between share identifiers. */
export interface FairShareState {
  /** Weight per share identifier; a missing share weighs 1. */
  weights: Record<string, number>;
  /**
   * Decayed past usage per share, in dominant-share-seconds (a share's largest fraction of cluster GPU,
   * CPU or memory, integrated over time and decayed with the configured half-life). Kept by the caller.
   */
  usage: Record<string, number>;
  /**
   * The half-life `usage` decays with, in ms. When given, past usage is read as an average dominant share
   * over the decay window (usage / mean lifetime), so it adds to the current dominant share in the same
   * unit; when absent, the raw dominant-share-seconds are added.
   */
  halfLifeMs?: number;
  /**
   * Job queues with their own fair-share policy (AWS Batch's scheduling policy of a queue): such a queue
   * divides among its own shares with its weights, half-life and compute reservation, and its jobs' usage
   * is kept under `queue/share` keys (fairShareKey). Queues not listed use `weights` and `halfLifeMs`.
   */
  queuePolicies?: Readonly<Record<string, QueueFairSharePolicy>>;
}

/** One job queue's fair-share policy. */
export interface QueueFairSharePolicy {
  /** Weight per share identifier within the queue (higher gets more); a missing share weighs 1. */
  weights: Record<string, number>;
  /** The half-life past usage decays with, in ms; 0: only current usage counts. */
  halfLifeMs: number;
  /**
   * 0..99: the percentage of capacity kept for shares of the queue not yet active (AWS Batch's
   * computeReservation): with `n` active shares the queue holds at most `1 - (r/100)^n` of the capacity
   * (dominant resource), so a first share gets `1 - r/100`, two get `1 - (r/100)^2`, and so on.
   */
  computeReservation: number;
}

export interface PendingJob {
  id: string;
  queue: string;
  /** Higher runs first within a queue. */
  priority: number;
  /** Milliseconds since the epoch; earlier runs first among equals. */
  submittedAt: number;
  /** Per member of a gang, or for the single task of an ordinary job. */
  resources: ResourceRequest;
  /** Priority of its job queue: higher queues are served first. 0 when unset. */
  queuePriority?: number;
  /** Fair-share identifier (AWS Batch's shareIdentifier); '' when the job has none. */
  share?: string;
  /** Gang size: this many members, each with `resources`, placed all in one cycle or none. Default 1. */
  nodes?: number;
  /** Gang members all land on nodes with the same value of this node label (e.g. a zone or rack). */
  sameLabel?: string;
  /** Expected runtime in ms (timeout, or observed runtime): backfill windows and ETAs. */
  expectedDurationMs?: number;
  /** Its queue allows it to preempt lower-priority preemptible running jobs. */
  canPreempt?: boolean;
}

export interface Placement {
  jobId: string;
  /** Gang member index, 0-based; 0 for an ordinary job. */
  member?: number;
  node: string;
  /** The exact GPU indices assigned on that node (one index for a GPU share). */
  gpuIndices: number[];
  /** Milli taken on each assigned GPU: 1000 for whole GPUs, the share otherwise. */
  gpuMilliPerGpu: number;
  cpuMilli: number;
  memoryMiB: number;
}

/** Why a job cannot be placed: a status value, not an exception. */
export type UnschedulableReason =
  | { kind: 'NoNodes' }
  | { kind: 'InsufficientGpus'; need: number; largestFree: number }
  | { kind: 'InsufficientGpuShare'; needMilli: number; largestFreeMilli: number }
  | { kind: 'GpuModelUnavailable'; allowed: string[]; available: string[] }
  | { kind: 'InsufficientCpu'; needMilli: number; largestFreeMilli: number }
  | { kind: 'InsufficientMemory'; needMiB: number; largestFreeMiB: number }
  /** A gang: only `fitting` of its `members` fit at once (in any one domain of `label`, when set). */
  | { kind: 'GangDoesNotFit'; members: number; fitting: number; label?: string }
  /** It fits only on nodes held for another job that starts at `at`, and it would not end before then. */
  | { kind: 'NodesReserved'; forJobId: string; at: number }
  /** Lower-priority running jobs were asked to stop to make room; it starts once they are gone. */
  | { kind: 'WaitingForPreemption'; victims: string[] }
  /** Its share used its whole GPU-hour budget in the rolling window; back under budget at `underAt` (ms) if known. */
  | {
      kind: 'BudgetExhausted';
      share: string;
      usedGpuHours: number;
      budgetGpuHours: number;
      windowHours: number;
      underAt?: number;
    }
  /** Its queue's compute reservation keeps `reservedPercent` of the capacity for shares not yet active. */
  | { kind: 'ComputeReservation'; queue: string; reservedPercent: number; activeShares: number };

export interface Unschedulable {
  jobId: string;
  reason: UnschedulableReason;
}

/** A running job the core decided to stop so a higher-priority job can run. */
export interface Preemption {
  /** The victim. */
  jobId: string;
  /** The job that needs its capacity. */
  forJobId: string;
}

/** Capacity held for a job that could not start: later jobs may use it only if they end before `at`. */
export interface Reservation {
  jobId: string;
  nodes: string[];
  /** When the reserved capacity is expected to be free (ms). */
  at: number;
}

export interface ScheduleResult {
  placements: Placement[];
  unschedulable: Unschedulable[];
  /** Running jobs to stop (their capacity is not yet free: the waiting job runs in a later cycle). */
  preemptions?: Preemption[];
  reservations?: Reservation[];
}
