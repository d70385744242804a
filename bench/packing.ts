// The packing experiment of the FGD paper at scale: generated heterogeneous clusters of 1,000 nodes (four
// GPU models, 2/4/8 GPUs per node), workload mixes with 20/40/60% fractional-GPU jobs and a mix with GPU-model
// constraints and CPU-only jobs, 10 seeds each; online-drop up to arrived demand = 100% of capacity; the
// unallocated GPU % there (100 - allocated %), per policy, averaged over the seeds. Each (mix, seed) runs in
// a worker thread, as many at once as the machine has cores; the result does not depend on how many.
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { DEFAULT_SCORER } from '../scheduler/core/index.ts';
import { generateCluster, generateTrace, type TraceOptions } from '../scheduler/sim/generate.ts';
import { runOnlineDrop } from '../scheduler/sim/online-drop.ts';
import { machineDescription } from './machine.ts';

export const PACKING_POLICIES = [
  ...new Set([
    'best-fit',
    'spread',
    'dot-product',
    'random',
    'fgd',
    'fgd-model-aware',
    'fgd-balanced',
    DEFAULT_SCORER,
  ]),
];
const NODES = 1_000;
const SEEDS = 10;
const JOBS = 8_000;

export const MIXES: Record<string, Omit<TraceOptions, 'jobs' | 'seed'>> = {
  'frac-20': { fractionalShare: 0.2 },
  'frac-40': { fractionalShare: 0.4 },
  'frac-60': { fractionalShare: 0.6 },
  'frac-40+models+cpu': { fractionalShare: 0.4, modelConstrainedShare: 0.3, cpuOnlyShare: 0.15 },
};

export interface PackingRow {
  mix: string;
  /** Mean unallocated GPU % at arrived = 100%, per policy. */
  unallocatedPct: Record<string, number>;
  /** Mean fragmentation % at arrived = 100%, per policy. */
  fragmentationPct: Record<string, number>;
  /** 1 - default / best-fit, and 1 - default / fgd, in percent. */
  reductionVsBestFitPct: number;
  reductionVsFgdPct: number;
}

export interface PackingResult {
  machine: string;
  nodes: number;
  seeds: number;
  defaultPolicy: string;
  seconds: number;
  rows: PackingRow[];
}

interface Task {
  mix: string;
  seed: number;
}

/** Unallocated and fragmentation % at arrived = 100%, per policy, for one mix and seed. */
type TaskResult = Record<string, { unallocatedPct: number; fragmentationPct: number }>;

function runTask({ mix, seed }: Task): TaskResult {
  const cluster = generateCluster({ nodes: NODES, seed });
  const trace = generateTrace({ jobs: JOBS, seed: 1000 + seed, ...MIXES[mix]! });
  const result: TaskResult = {};
  for (const policy of PACKING_POLICIES) {
    const at100 = runOnlineDrop(cluster, trace, { policy, inflate: 1, seed }).curve.at(-1)!;
    result[policy] = { unallocatedPct: 100 - at100.allocatedPct, fragmentationPct: at100.fragmentationPct };
  }
  return result;
}

if (!isMainThread && workerData?.packingTask === true) {
  parentPort!.on('message', (task: Task) => parentPort!.postMessage(runTask(task)));
}

/** Runs the tasks on a pool of worker threads; results in task order. */
async function runAll(tasks: readonly Task[], progress: (line: string) => void): Promise<TaskResult[]> {
  const results: TaskResult[] = new Array(tasks.length);
  let next = 0;
  let done = 0;
  const threads = Math.max(1, Math.min(availableParallelism(), tasks.length));
  await Promise.all(
    Array.from({ length: threads }, async () => {
      const worker = new Worker(new URL(import.meta.url), { workerData: { packingTask: true } });
      try {
        while (next < tasks.length) {
          const index = next++;
          results[index] = await new Promise<TaskResult>((resolve, reject) => {
            worker.once('message', resolve);
            worker.once('error', reject);
            worker.postMessage(tasks[index]);
          });
          worker.removeAllListeners('error');
          done++;
          progress(`  ${done}/${tasks.length} ${tasks[index]!.mix} seed ${tasks[index]!.seed}`);
        }
      } finally {
        await worker.terminate();
      }
    }),
  );
  return results;
}

export async function packing(progress: (line: string) => void = () => {}): Promise<PackingResult> {
  const started = performance.now();
  const tasks: Task[] = [];
  for (const mix of Object.keys(MIXES)) {
    for (let seed = 1; seed <= SEEDS; seed++) tasks.push({ mix, seed });
  }
  const results = await runAll(tasks, progress);
  const rows: PackingRow[] = [];
  for (const mix of Object.keys(MIXES)) {
    const unallocated: Record<string, number> = {};
    const fragmentation: Record<string, number> = {};
    tasks.forEach((task, index) => {
      if (task.mix !== mix) return;
      for (const policy of PACKING_POLICIES) {
        const one = results[index]![policy]!;
        unallocated[policy] = (unallocated[policy] ?? 0) + one.unallocatedPct / SEEDS;
        fragmentation[policy] = (fragmentation[policy] ?? 0) + one.fragmentationPct / SEEDS;
      }
    });
    const mine = unallocated[DEFAULT_SCORER]!;
    const row: PackingRow = {
      mix,
      unallocatedPct: roundAll(unallocated),
      fragmentationPct: roundAll(fragmentation),
      reductionVsBestFitPct: round(100 * (1 - mine / unallocated['best-fit']!)),
      reductionVsFgdPct: round(100 * (1 - mine / unallocated.fgd!)),
    };
    progress(`${mix}: ${JSON.stringify(row.unallocatedPct)}`);
    rows.push(row);
  }
  return {
    machine: machineDescription(),
    nodes: NODES,
    seeds: SEEDS,
    defaultPolicy: DEFAULT_SCORER,
    seconds: Math.round((performance.now() - started) / 1000),
    rows,
  };
}

export function packingTable(result: PackingResult): string {
  const header = [
    'mix'.padEnd(20),
    ...PACKING_POLICIES.map((p) => p.padStart(16)),
    '  vs best-fit',
    '  vs fgd',
  ];
  const lines = [
    `machine: ${result.machine}; ${result.nodes} nodes, mean of ${result.seeds} seeds, ${result.seconds} s`,
    'unallocated GPU % at arrived demand = 100% of capacity (lower is better); reduction = default vs baseline',
    header.join(''),
  ];
  for (const row of result.rows) {
    lines.push(
      [
        row.mix.padEnd(20),
        ...PACKING_POLICIES.map((p) => row.unallocatedPct[p]!.toFixed(2).padStart(16)),
        `${row.reductionVsBestFitPct.toFixed(1)}%`.padStart(13),
        `${row.reductionVsFgdPct.toFixed(1)}%`.padStart(8),
      ].join(''),
    );
  }
  return lines.join('\n');
}

function roundAll(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, round(value)]));
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
