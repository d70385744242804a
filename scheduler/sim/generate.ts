// Synthetic clusters and workloads for packing experiments and benchmarks. Pure and seeded: the same
// options give the same output on every machine (no I/O, no clock, no Math.random).
import { seededRandom } from '../core/rng.ts';
import { type GpuState, MILLI_PER_GPU, type NodeState } from '../core/types.ts';
import type { TraceJob } from './trace.ts';

export const DEFAULT_MODELS: readonly string[] = ['A100', 'V100', 'T4', 'A10'];

export interface ClusterOptions {
  nodes: number;
  seed: number;
  /** GPU models, one per node, drawn with equal odds. Default DEFAULT_MODELS. */
  models?: readonly string[];
  /** GPUs per node, drawn with equal odds. Default: 8 (60%), 4 (25%), 2 (15%), as in large shared clusters. */
  gpusPerNode?: readonly number[];
  /** CPU per GPU (milli). Default 12,000: 96 cores on an 8-GPU node. */
  cpuMilliPerGpu?: number;
  /** Memory per GPU (MiB). Default 64 GiB: 512 GiB on an 8-GPU node. */
  memoryMiBPerGpu?: number;
  /** Nodes per zone (label `topology.kubernetes.io/zone`). Default 50. */
  nodesPerZone?: number;
}

/** Heterogeneous, empty nodes `node-00000`...; CPU and memory in proportion to GPUs. */
export function generateCluster(options: ClusterOptions): NodeState[] {
  const random = seededRandom(options.seed);
  const models = options.models ?? DEFAULT_MODELS;
  const cpuPerGpu = options.cpuMilliPerGpu ?? 12_000;
  const memoryPerGpu = options.memoryMiBPerGpu ?? 64 * 1024;
  const perZone = options.nodesPerZone ?? 50;
  const digits = Math.max(5, String(options.nodes).length);
  return Array.from({ length: options.nodes }, (_, n): NodeState => {
    const model = pick(random, models);
    const gpus =
      options.gpusPerNode === undefined
        ? weighted(random, [
            [8, 60],
            [4, 25],
            [2, 15],
          ])
        : pick(random, options.gpusPerNode);
    const cpu = gpus * cpuPerGpu;
    const memory = gpus * memoryPerGpu;
    return {
      name: `node-${String(n).padStart(digits, '0')}`,
      labels: {
        'topology.kubernetes.io/zone': `zone-${Math.floor(n / perZone)}`,
        'nvidia.com/gpu.product': model,
      },
      gpus: Array.from(
        { length: gpus },
        (_, index): GpuState => ({ index, model, freeMilli: MILLI_PER_GPU }),
      ),
      cpuMilliTotal: cpu,
      cpuMilliFree: cpu,
      memoryMiBTotal: memory,
      memoryMiBFree: memory,
    };
  });
}

export interface TraceOptions {
  jobs: number;
  seed: number;
  /** Fraction of jobs asking for a share of one GPU (gpuMilli 100..900). Default 0.4. */
  fractionalShare?: number;
  /** Fraction asking for 2, 4 or 8 whole GPUs (50/30/20%). Default 0.1. */
  multiGpuShare?: number;
  /** Fraction asking for no GPU. Default 0.05. The rest ask for one whole GPU. */
  cpuOnlyShare?: number;
  /** Fraction of GPU jobs restricted to one or two GPU models. Default 0. */
  modelConstrainedShare?: number;
  /** Models that constraints pick from. Default DEFAULT_MODELS. */
  models?: readonly string[];
  /** Mean seconds between submissions (exponential gaps). Default 10. */
  meanInterarrivalSeconds?: number;
  /** Mean run time in seconds (exponential, at least 60). Default 3600. */
  meanDurationSeconds?: number;
}

/**
 * Shares of one GPU and how often each is asked for: half-GPU requests dominate, as in Alibaba's GPU-sharing
 * trace (Weng et al., ATC'23), with a spread from 100 to 900 milli.
 */
const SHARE_MILLI: readonly [number, number][] = [
  [100, 5],
  [200, 8],
  [250, 10],
  [300, 8],
  [400, 8],
  [500, 25],
  [600, 8],
  [700, 8],
  [750, 6],
  [800, 7],
  [900, 7],
];
const MULTI_GPUS: readonly [number, number][] = [
  [2, 50],
  [4, 30],
  [8, 20],
];
/** CPU cores and memory GiB per GPU a job asks for (scaled by its GPUs, at least one GPU's worth for shares). */
const CORES_PER_GPU: readonly number[] = [2, 4, 6, 8, 12];
const GIB_PER_GPU: readonly number[] = [8, 16, 32, 48, 64];

/** Jobs j-000000... in submit order, each a single task (nodes 1). */
export function generateTrace(options: TraceOptions): TraceJob[] {
  const random = seededRandom(options.seed);
  const fractional = options.fractionalShare ?? 0.4;
  const multi = options.multiGpuShare ?? 0.1;
  const cpuOnly = options.cpuOnlyShare ?? 0.05;
  if (fractional + multi + cpuOnly > 1) throw new Error('fractional + multi-GPU + CPU-only shares exceed 1');
  const constrained = options.modelConstrainedShare ?? 0;
  const models = options.models ?? DEFAULT_MODELS;
  const gap = options.meanInterarrivalSeconds ?? 10;
  const meanDuration = options.meanDurationSeconds ?? 3600;
  const digits = Math.max(6, String(options.jobs).length);
  let time = 0;
  return Array.from({ length: options.jobs }, (_, n): TraceJob => {
    time += Math.round(exponential(random, gap));
    const kind = random();
    let numGpu = 0;
    let gpuMilli = 0;
    if (kind < fractional) gpuMilli = weighted(random, SHARE_MILLI);
    else if (kind < fractional + multi) numGpu = weighted(random, MULTI_GPUS);
    else if (kind < fractional + multi + cpuOnly) numGpu = 0;
    else numGpu = 1;
    const wantsGpu = numGpu > 0 || gpuMilli > 0;
    const gpuWorth = Math.max(1, numGpu);
    const cpuMilli = wantsGpu
      ? pick(random, CORES_PER_GPU) * 1000 * gpuWorth
      : 1000 * (1 + Math.floor(random() * 16));
    const memoryMiB = wantsGpu
      ? pick(random, GIB_PER_GPU) * 1024 * gpuWorth
      : 1024 * pick(random, [2, 4, 8, 16, 32]);
    const gpuModel = wantsGpu && random() < constrained ? modelConstraint(random, models) : [];
    return {
      id: `j-${String(n).padStart(digits, '0')}`,
      submitTime: time,
      duration: Math.max(60, Math.round(exponential(random, meanDuration))),
      numGpu,
      gpuMilli,
      gpuModel,
      cpuMilli,
      memoryMiB,
    };
  });
}

/** One model, or two (a job that runs on either), sorted. */
function modelConstraint(random: () => number, models: readonly string[]): string[] {
  const first = pick(random, models);
  if (models.length < 2 || random() < 0.5) return [first];
  const second = pick(
    random,
    models.filter((model) => model !== first),
  );
  return [first, second].sort();
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function weighted(random: () => number, table: readonly (readonly [number, number])[]): number {
  const total = table.reduce((sum, [, weight]) => sum + weight, 0);
  let draw = random() * total;
  for (const [value, weight] of table) {
    draw -= weight;
    if (draw < 0) return value;
  }
  return table.at(-1)![0];
}

function exponential(random: () => number, mean: number): number {
  return -mean * Math.log(1 - random());
}
