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
}

export interface PendingJob {
  id: string;
  queue: string;
  /** Higher runs first within a queue. */
  priority: number;
  /** Milliseconds since the epoch; earlier runs first among equals. */
  submittedAt: number;
  resources: ResourceRequest;
}

export interface Placement {
  jobId: string;
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
  | { kind: 'InsufficientMemory'; needMiB: number; largestFreeMiB: number };

export interface Unschedulable {
  jobId: string;
  reason: UnschedulableReason;
}

export interface ScheduleResult {
  placements: Placement[];
  unschedulable: Unschedulable[];
}
