// Size lanes of a job queue: the service's look-ahead window is per lane (scheduler/service.ts), and the
// simulator's queue mode models the same windows (scheduler/sim/replay.ts).
import type { RunningJob } from './core/types.ts';

/**
 * Lanes split a job queue by how many whole GPUs a job needs on one node (and gangs apart). The scheduler
 * sees each lane through its own look-ahead window, so a large job is offered to the core at once even
 * behind thousands of small ones in its queue; the core then decides the order across lanes (and reserves
 * for the large job: see docs/scheduler-core.md). Within a lane the window is first in, first out (after
 * job priority), as before.
 */
export const LANES = ['', 'g2', 'g4', 'g8', 'gang'] as const;
export type Lane = (typeof LANES)[number];

/** A job spec or a pending job: whole GPUs per node, and gang size. */
export function laneOf(job: { resources: { gpus: number }; nodes?: number }): Lane {
  if ((job.nodes ?? 1) > 1) return 'gang';
  const gpus = job.resources.gpus;
  return gpus >= 8 ? 'g8' : gpus >= 4 ? 'g4' : gpus >= 2 ? 'g2' : '';
}

/** The BullMQ queue of a lane: the job queue's own name for the first lane (as before lanes), else
 * `name~lane` ('~' is not allowed in queue names, so it cannot collide with one). */
export function laneQueueName(queue: string, lane: Lane): string {
  return lane === '' ? queue : `${queue}~${lane}`;
}

/** The lane a running job was in, from its placements (one per gang member; whole GPUs at 1000 milli). */
export function laneOfRunning(job: Pick<RunningJob, 'placements'>): Lane {
  const first = job.placements[0];
  const gpus = first !== undefined && first.gpuMilliPerGpu >= 1000 ? first.gpuIndices.length : 0;
  return laneOf({ resources: { gpus }, nodes: job.placements.length });
}
