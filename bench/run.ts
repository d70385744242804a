// `npm run bench`: the end-to-end throughput benchmark (default); `npm run bench -- scheduler [--json]`:
// scheduling-cycle speed per policy; `npm run bench -- packing`: packing quality per policy;
// `npm run bench -- fairness`: fair-share split and starvation in simulated queues; `npm run bench --
// kernels [--only=standardize]`: gpu.js kernels against plain JS and memory-copy bandwidth
// (bench/kernels.ts); `npm run bench -- runner`: inference runner throughput against a bare
// onnxruntime-node loop; `npm run bench -- kube`: pods
// bound per second by the Kubernetes executor against the fake API (bench/kube-pods.ts); `npm run bench --
// retention [--jobs N]`: Redis memory and sweep time as 1,000,000 finished jobs expire (bench/retention.ts);
// `npm run bench -- api-load [--rate R] [--seconds S]`: submissions per second and latency against the real
// service (bench/api-load.ts); `npm run bench -- queued-jobs [--jobs N]`: Redis memory per queued job and
// the leader's RSS with 1,000,000 jobs waiting (bench/queued-jobs.ts); `npm run bench -- recovery [--jobs N]`:
// the leader's recovery pass over N queued jobs against the per-job pass it replaced (bench/recovery-pass.ts).
// Each prints a table (or JSON) and keeps the JSON under .gpubatch/bench/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiLoadBench, apiLoadOptions, apiLoadTable } from './api-load.ts';
import { fairness, fairnessTable } from './fairness.ts';
import { kernelBench, kernelBenchSections, kernelTable } from './kernels.ts';
import { kubeBench, kubeBenchOptions, kubeTable } from './kube-pods.ts';
import { machineDescription } from './machine.ts';
import { packing, packingTable } from './packing.ts';
import { queuedJobsBench, queuedJobsCount, queuedJobsTable } from './queued-jobs.ts';
import { recoveryJobs, recoveryPassBench, recoveryPassTable } from './recovery-pass.ts';
import { retentionBench, retentionJobs, retentionTable } from './retention.ts';
import { runnerBench, runnerBenchOptions, runnerTable } from './runner.ts';
import { schedulerSpeed, speedTable } from './scheduler-speed.ts';
import { report, saveJson, throughput } from './throughput.ts';

const [which] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const json = process.argv.includes('--json');
const progress = (line: string) => process.stderr.write(`${line}\n`);

/** A named benchmark: how it runs, its table, and what of it is kept as JSON (default: the result). */
interface Bench<T> {
  run(): T | Promise<T>;
  table(result: T): string;
  kept?(result: T): unknown;
  /** The kept file's name (default: the benchmark's). */
  keptAs?: string;
}

/** Ties each benchmark's result type to its table while they sit in one list. */
const bench = <T>(definition: Bench<T>) => definition as Bench<unknown>;

const BENCHES: Record<string, Bench<unknown>> = {
  scheduler: bench({
    run: () => {
      progress(`machine: ${machineDescription()}`);
      return schedulerSpeed(progress);
    },
    table: speedTable,
    kept: (results) => ({ machine: machineDescription(), results }),
    keptAs: 'scheduler-speed',
  }),
  packing: bench({ run: () => packing(progress), table: packingTable }),
  fairness: bench({ run: () => fairness(progress), table: fairnessTable }),
  kernels: bench({ run: () => kernelBench(progress, kernelBenchSections(process.argv)), table: kernelTable }),
  runner: bench({ run: () => runnerBench(runnerBenchOptions(process.argv), progress), table: runnerTable }),
  retention: bench({
    run: () => retentionBench(retentionJobs(process.argv), progress),
    table: retentionTable,
  }),
  kube: bench({ run: () => kubeBench(kubeBenchOptions(process.argv), progress), table: kubeTable }),
  'api-load': bench({ run: () => apiLoadBench(apiLoadOptions(process.argv), progress), table: apiLoadTable }),
  'queued-jobs': bench({
    run: () => queuedJobsBench(queuedJobsCount(process.argv), progress),
    table: queuedJobsTable,
  }),
  recovery: bench({
    run: () => recoveryPassBench(recoveryJobs(process.argv), progress),
    table: recoveryPassTable,
  }),
};

if (which === undefined) {
  const result = await throughput();
  console.log(report(result));
  console.log(`json: ${saveJson(result, '.gpubatch/bench')}`);
} else {
  const chosen = BENCHES[which];
  if (!chosen)
    throw new Error(
      `unknown benchmark "${which}"; known: ${Object.keys(BENCHES).join(', ')} (none: throughput)`,
    );
  const result = await chosen.run();
  const path = keep(chosen.keptAs ?? which, chosen.kept ? chosen.kept(result) : result);
  console.log(json ? JSON.stringify(result, null, 2) : chosen.table(result));
  progress(`json: ${path}`);
}

function keep(name: string, value: unknown): string {
  const dir = join('.gpubatch', 'bench');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
  return path;
}
