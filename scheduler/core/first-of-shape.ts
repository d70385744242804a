// The first pending job of each request shape, per turn. Runs over every pending job each cycle, so the
// common shapes (no model list, not a gang) are keyed by two numbers instead of a string built per job,
// which costs about 10x more at 100,000 jobs.
import { membersOf } from './order.ts';
import type { PendingJob, ResourceRequest } from './types.ts';

/** Largest memory (MiB) and CPU (milli) the numeric key holds exactly: 16 TiB, and 2^29 milli-cores. */
const MEMORY_SPAN = 2 ** 24;
const CPU_LIMIT = 2 ** 29;

interface Firsts {
  byNumbers: Map<number, Map<number, PendingJob>>;
  byString: Map<string, PendingJob>;
}

/**
 * The jobs of each turn (the same queue priority, share and job priority: jobs one turn apart are ordered
 * by fair share or priority, within a turn first in, first out), and for each shape (resources, gang size,
 * sameLabel) in it, the job that comes first by `compare`; turns and shapes in no particular order. Jobs of
 * one shape fit wherever each other fits.
 */
export function firstOfEachShapePerTurn(
  pending: readonly PendingJob[],
  compare: (a: PendingJob, b: PendingJob) => number,
): PendingJob[][] {
  const turns = new Map<number, Map<string, Map<number, Firsts>>>();
  const keep = <K>(map: Map<K, PendingJob>, key: K, job: PendingJob) => {
    const first = map.get(key);
    if (first === undefined || compare(job, first) < 0) map.set(key, job);
  };
  for (const job of pending) {
    const firsts = turnOf(turns, job);
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
      let byResources = firsts.byNumbers.get(gpus * 1024 + gpuMilli);
      if (byResources === undefined) {
        byResources = new Map();
        firsts.byNumbers.set(gpus * 1024 + gpuMilli, byResources);
      }
      keep(byResources, cpuMilli * MEMORY_SPAN + memoryMiB, job);
    } else {
      keep(firsts.byString, shapeKey(job), job);
    }
  }
  const result: PendingJob[][] = [];
  for (const byShare of turns.values())
    for (const byPriority of byShare.values())
      for (const firsts of byPriority.values()) {
        const jobs = [...firsts.byString.values()];
        for (const byResources of firsts.byNumbers.values()) jobs.push(...byResources.values());
        result.push(jobs);
      }
  return result;
}

/** Nested maps rather than a string key per job: this runs over every pending job each cycle. */
function turnOf(turns: Map<number, Map<string, Map<number, Firsts>>>, job: PendingJob): Firsts {
  const queuePriority = job.queuePriority ?? 0;
  let byShare = turns.get(queuePriority);
  if (byShare === undefined) {
    byShare = new Map();
    turns.set(queuePriority, byShare);
  }
  const share = job.share ?? '';
  let byPriority = byShare.get(share);
  if (byPriority === undefined) {
    byPriority = new Map();
    byShare.set(share, byPriority);
  }
  let firsts = byPriority.get(job.priority);
  if (firsts === undefined) {
    firsts = { byNumbers: new Map(), byString: new Map() };
    byPriority.set(job.priority, firsts);
  }
  return firsts;
}

/** Same queue priority, share and job priority: within a turn, jobs are served first in, first out. */
export function sameTurn(a: PendingJob, b: PendingJob): boolean {
  return (
    (a.queuePriority ?? 0) === (b.queuePriority ?? 0) &&
    (a.share ?? '') === (b.share ?? '') &&
    a.priority === b.priority
  );
}

/** Jobs with equal keys ask for the same thing: one fits wherever the other does. */
export function shapeKey(job: PendingJob): string {
  return taskShapeKey(job.resources, membersOf(job), job.sameLabel);
}

/** shapeKey of a job with these resources, gang size and sameLabel. */
export function taskShapeKey(
  resources: ResourceRequest,
  members: number,
  sameLabel: string | undefined,
): string {
  const { gpus, gpuMilli, cpuMilli, memoryMiB, gpuModel } = resources;
  const models = gpuModel.length < 2 ? gpuModel : [...gpuModel].sort();
  return JSON.stringify([gpus, gpuMilli, models, cpuMilli, memoryMiB, members, sameLabel ?? null]);
}
