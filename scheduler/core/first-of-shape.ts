// The first pending job of each request shape. Runs over every pending job each cycle, so the common
// shapes (no model list, not a gang) are keyed by two numbers instead of a string built per job, which
// costs about 10x more at 100,000 jobs.
import { membersOf } from './order.ts';
import type { PendingJob } from './types.ts';

/** Largest memory (MiB) and CPU (milli) the numeric key holds exactly: 16 TiB, and 2^29 milli-cores. */
const MEMORY_SPAN = 2 ** 24;
const CPU_LIMIT = 2 ** 29;

/**
 * For each shape (resources, gang size, sameLabel), the job that comes first by `compare`; in no
 * particular order. Jobs of one shape fit wherever each other fits.
 */
export function firstOfEachShape(
  pending: readonly PendingJob[],
  compare: (a: PendingJob, b: PendingJob) => number,
): PendingJob[] {
  const byNumbers = new Map<number, Map<number, PendingJob>>();
  const byString = new Map<string, PendingJob>();
  const keep = <K>(map: Map<K, PendingJob>, key: K, job: PendingJob) => {
    const first = map.get(key);
    if (first === undefined || compare(job, first) < 0) map.set(key, job);
  };
  for (const job of pending) {
    const { gpus, gpuMilli, cpuMilli, memoryMiB, gpuModel } = job.resources;
    if (
      gpuModel.length === 0 &&
      job.sameLabel === undefined &&
      membersOf(job) === 1 &&
      Number.isInteger(gpus) &&
      Number.isInteger(gpuMilli) &&
      gpuMilli >= 0 &&
      gpuMilli < 1024 &&
      Number.isInteger(cpuMilli) &&
      cpuMilli >= 0 &&
      cpuMilli < CPU_LIMIT &&
      Number.isInteger(memoryMiB) &&
      memoryMiB >= 0 &&
      memoryMiB < MEMORY_SPAN
    ) {
      let byResources = byNumbers.get(gpus * 1024 + gpuMilli);
      if (byResources === undefined) {
        byResources = new Map();
        byNumbers.set(gpus * 1024 + gpuMilli, byResources);
      }
      keep(byResources, cpuMilli * MEMORY_SPAN + memoryMiB, job);
    } else {
      keep(byString, shapeKey(job), job);
    }
  }
  const firsts = [...byString.values()];
  for (const byResources of byNumbers.values()) firsts.push(...byResources.values());
  return firsts;
}

/** Jobs with equal keys ask for the same thing: one fits wherever the other does. */
export function shapeKey(job: PendingJob): string {
  const { gpus, gpuMilli, cpuMilli, memoryMiB, gpuModel } = job.resources;
  const models = gpuModel.length < 2 ? gpuModel : [...gpuModel].sort();
  return JSON.stringify([gpus, gpuMilli, models, cpuMilli, memoryMiB, membersOf(job), job.sameLabel ?? null]);
}
