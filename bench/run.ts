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

if (which === 'scheduler') {
  progress(`machine: ${machineDescription()}`);
  const results = schedulerSpeed(progress);
  const path = keep('scheduler-speed', { machine: machineDescription(), results });
  console.log(json ? JSON.stringify(results, null, 2) : speedTable(results));
  progress(`json: ${path}`);
} else if (which === 'packing') {
  const result = await packing(progress);
  const path = keep('packing', result);
  console.log(json ? JSON.stringify(result, null, 2) : packingTable(result));
  progress(`json: ${path}`);
} else if (which === 'fairness') {
  const result = fairness(progress);
  const path = keep('fairness', result);
  console.log(json ? JSON.stringify(result, null, 2) : fairnessTable(result));
  progress(`json: ${path}`);
} else if (which === 'kernels') {
  const result = await kernelBench(progress, kernelBenchSections(process.argv));
  console.log(json ? JSON.stringify(result, null, 2) : kernelTable(result));
  progress(`json: ${keep('kernels', result)}`);
} else if (which === 'runner') {
  const result = await runnerBench(runnerBenchOptions(process.argv), progress);
  const path = keep('runner', result);
  console.log(json ? JSON.stringify(result, null, 2) : runnerTable(result));
  progress(`json: ${path}`);
} else if (which === 'retention') {
  const result = await retentionBench(retentionJobs(process.argv), progress);
  const path = keep('retention', result);
  console.log(json ? JSON.stringify(result, null, 2) : retentionTable(result));
  progress(`json: ${path}`);
} else if (which === 'kube') {
  const result = await kubeBench(kubeBenchOptions(process.argv), progress);
  const path = keep('kube', result);
  console.log(json ? JSON.stringify(result, null, 2) : kubeTable(result));
  progress(`json: ${path}`);
} else if (which === 'api-load') {
  const result = await apiLoadBench(apiLoadOptions(process.argv), progress);
  const path = keep('api-load', result);
  console.log(json ? JSON.stringify(result, null, 2) : apiLoadTable(result));
  progress(`json: ${path}`);
} else if (which === 'queued-jobs') {
  const result = await queuedJobsBench(queuedJobsCount(process.argv), progress);
  const path = keep('queued-jobs', result);
  console.log(json ? JSON.stringify(result, null, 2) : queuedJobsTable(result));
  progress(`json: ${path}`);
} else if (which === 'recovery') {
  const result = await recoveryPassBench(recoveryJobs(process.argv), progress);
  const path = keep('recovery', result);
  console.log(json ? JSON.stringify(result, null, 2) : recoveryPassTable(result));
  progress(`json: ${path}`);
} else if (which === undefined) {
  const result = await throughput();
  console.log(report(result));
  console.log(`json: ${saveJson(result, '.gpubatch/bench')}`);
} else {
  throw new Error(
    `unknown benchmark "${which}"; known: scheduler, packing, fairness, kernels, runner, kube, retention, api-load, queued-jobs, recovery (none: throughput)`,
  );
}

function keep(name: string, value: unknown): string {
  const dir = join('.gpubatch', 'bench');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
  return path;
}
