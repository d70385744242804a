// This machine as one node: GPUs from nvidia-smi when present, CPU and memory from the OS.
import { execFileSync } from 'node:child_process';
import { availableParallelism, hostname, totalmem } from 'node:os';
import type { NodeState } from '../../core/types.ts';

/** A declared inventory replaces detection (tests and users with special hardware). */
export interface InventoryOverride {
  name?: string;
  gpus?: { model: string }[];
  cpuMilli?: number;
  memoryMiB?: number;
  labels?: Record<string, string>;
}

export function localNode(override: InventoryOverride = {}): NodeState {
  const gpus = override.gpus ?? detectNvidiaGpus();
  const cpuMilli = override.cpuMilli ?? availableParallelism() * 1000;
  const memoryMiB = override.memoryMiB ?? Math.floor(totalmem() / (1024 * 1024));
  return {
    name: override.name ?? hostname(),
    labels: { 'gpubatch.io/executor': 'local', ...override.labels },
    gpus: gpus.map((gpu, index) => ({ index, model: gpu.model, freeMilli: 1000 })),
    cpuMilliTotal: cpuMilli,
    cpuMilliFree: cpuMilli,
    memoryMiBTotal: memoryMiB,
    memoryMiBFree: memoryMiB,
  };
}

/** GPU models in index order; none when nvidia-smi is absent or fails. */
export function detectNvidiaGpus(): { model: string }[] {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=index,name', '--format=csv,noheader'], {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return parseNvidiaSmi(out);
  } catch {
    return [];
  }
}

export function parseNvidiaSmi(csv: string): { model: string }[] {
  return csv
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => line.split(',').map((field) => field.trim()))
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([, name]) => ({ model: shortModel(name ?? 'unknown') }));
}

/** "NVIDIA H100 80GB HBM3" -> "H100": the model names users write in gpuModel. */
export function shortModel(name: string): string {
  const match = /\b([A-Z]{1,3}\d{2,4}[A-Za-z]?)\b/.exec(name.replace(/^NVIDIA\s+/i, ''));
  return match?.[1] ?? name;
}
