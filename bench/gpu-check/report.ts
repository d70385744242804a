// The GPU check's result, as JSON and as a table that puts each case's GPU run next to its CPU run.
import type { WebGpuProbe } from '../../kernels/gpujs/node-webgpu.ts';
import type { KernelRun } from './kernel-phase.ts';
import type { InferenceCheck } from './onnx-case.ts';

export interface GpuCheckResult {
  machine: string;
  date: string;
  size: string;
  /** TypedArray.set over standardize's table size, best of 3. */
  memoryCopyGBs: number;
  webgpu: WebGpuProbe | { available: false; reason: string };
  kernels: KernelRun[];
  inference: InferenceCheck;
  /** Every wrong result, described; the check exits non-zero when there is one. */
  failures: string[];
}

export function failuresOf(kernels: KernelRun[], inference: InferenceCheck): string[] {
  return [
    ...kernels
      .filter((run) => run.check !== 'ok')
      .map((run) => `${run.case} on ${run.backend}: ${run.check}`),
    ...inference.runs
      .filter((run) => run.check !== 'ok')
      .map((run) => `${inference.model} on ${run.backend}: ${run.check}`),
  ];
}

export function gpuCheckTable(result: GpuCheckResult): string {
  const lines = [
    `machine: ${result.machine}; ${result.date}; size ${result.size}`,
    result.webgpu.available
      ? `webgpu: adapter ${describeAdapter(result.webgpu.adapter)}`
      : `webgpu: not used: ${result.webgpu.reason}`,
    '',
    'case | shape | CPU backend | CPU ms | CPU throughput | GPU backend | GPU ms | GPU throughput | GPU / CPU | check',
  ];
  const cases = [...new Set(result.kernels.map((run) => run.case))];
  for (const name of cases) {
    const cpu = result.kernels.find((run) => run.case === name && run.phase === 'cpu');
    const gpu = result.kernels.find((run) => run.case === name && run.phase === 'webgpu');
    const checks = [cpu, gpu].filter((run) => run !== undefined).map((run) => `${run.backend}: ${run.check}`);
    lines.push(
      [
        name,
        (cpu ?? gpu)!.shape,
        cpu?.backend ?? '-',
        cpu?.ms ?? '-',
        cpu ? `${cpu.throughput} ${cpu.unit}` : '-',
        gpu?.backend ?? 'not run',
        gpu?.ms ?? '-',
        gpu ? `${gpu.throughput} ${gpu.unit}` : '-',
        cpu && gpu ? `${Math.round((cpu.ms / gpu.ms) * 100) / 100}x` : '-',
        checks.join('; '),
      ].join(' | '),
    );
    if (gpu?.note) lines.push(`  ${name}: ${gpu.note}`);
  }
  const shares = result.kernels
    .filter((run) => run.case === 'standardize')
    .map((run) => `${run.backend} ${Math.round((run.throughput / result.memoryCopyGBs) * 1000) / 10}%`);
  lines.push(`standardize against a memory copy (${result.memoryCopyGBs} GB/s here): ${shares.join(', ')}`);
  const inference = result.inference;
  lines.push(
    '',
    `onnxruntime: ${inference.model}, ${inference.rows} rows in batches of ${inference.batchSize}, ${inference.intraOpThreads} intra-op threads`,
    `CUDA provider library: ${inference.cudaProviderLibrary}`,
    'asked | provider that ran | ms | rows/s | check | why earlier providers were passed over',
  );
  for (const run of inference.runs) {
    lines.push(
      `${run.asked} | ${run.backend} | ${run.ms} | ${run.rowsPerSec} | ${run.check} | ${run.fallbackReasons.join('; ') || '-'}`,
    );
  }
  lines.push('', result.failures.length === 0 ? 'all results agree with the references' : 'WRONG RESULTS:');
  for (const failure of result.failures) lines.push(`  ${failure}`);
  return lines.join('\n');
}

function describeAdapter(adapter: {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}) {
  return [adapter.vendor, adapter.architecture, adapter.device, adapter.description]
    .filter(Boolean)
    .join(', ');
}
