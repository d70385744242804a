// When will each waiting job start? Simulates the queue forward with the same schedule(): run a cycle,
// start what it places, then jump to the next expected end of a running job, free its capacity, and run
// the next cycle. Preempted victims leave at once and the cycle runs again at the same moment.
import { nextBudgetRelease } from './budgets.ts';
import { type ScheduleOptions, schedule } from './schedule.ts';
import type { NodeState, PendingJob, Placement, RunningJob, Snapshot } from './types.ts';

export interface EstimateOptions extends ScheduleOptions {
  /** How far ahead of snapshot.now to look, in ms; a job not started by then gets undefined. Default 7 days. */
  horizonMs?: number;
  /** Most cycles simulated (each costs one schedule() of the jobs still waiting). Default 64. */
  maxCycles?: number;
  /** Most job offers over all cycles (the sum of the jobs waiting at each cycle). Default 100,000. */
  maxOffers?: number;
}

export const DEFAULT_HORIZON_MS = 7 * 24 * 3600 * 1000;
export const DEFAULT_MAX_CYCLES = 64;
export const DEFAULT_MAX_OFFERS = 100_000;
/** Each step of the forecast lets at least this fraction of the running jobs end (at least one). */
const ENDS_PER_STEP = 1 / 32;

/**
 * estimatedStartAt (ms) per pending job id; undefined when it does not start within the horizon or the
 * budgets. Cost: at most maxCycles schedule() calls and maxOffers job offers in all, plus O(running log
 * running) per cycle. Time jumps to the expected end of the ceil(running / 32)-th job to end (at least
 * one), so a cycle sees many ends at once: an estimate is never earlier than the simulated moment
 * capacity frees, and may be later by up to that step. Assumptions: running jobs end at expectedEndAt
 * (overdue ones at once); a job placed in the forecast runs for its expectedDurationMs, or forever when
 * it has none; no new jobs arrive; fair-share past usage stays as given; a share over budget
 * (options.overBudget) starts nothing before its `underAt` (nothing at all without one), and is not charged
 * for what it runs in the forecast after it. Pure: the input is not changed.
 */
export function estimateStarts(
  snapshot: Snapshot,
  pending: readonly PendingJob[],
  options: EstimateOptions = {},
): Record<string, number | undefined> {
  const {
    horizonMs = DEFAULT_HORIZON_MS,
    maxCycles = DEFAULT_MAX_CYCLES,
    maxOffers = DEFAULT_MAX_OFFERS,
    ...scheduleOptions
  } = options;
  const start = snapshot.now ?? 0;
  const estimates: Record<string, number | undefined> = {};
  for (const job of pending) estimates[job.id] = undefined;

  const nodes = new Map(snapshot.nodes.map((node) => [node.name, copyNode(node)]));
  // A job asked to stop is gone by the end of its grace period, whatever its expected end.
  let running: RunningJob[] = (snapshot.running ?? []).map((job) =>
    job.stopping === undefined
      ? job
      : { ...job, expectedEndAt: Math.min(job.expectedEndAt, job.stopping.by) },
  );
  let waiting = [...pending];
  let now = start;
  let offers = 0;
  // Reservations carry from cycle to cycle, as the service carries them.
  let reservations = scheduleOptions.reservations;
  for (let cycle = 0; cycle < maxCycles && waiting.length > 0; cycle++) {
    offers += waiting.length;
    if (offers > maxOffers && cycle > 0) break;
    const result = schedule({ nodes: [...nodes.values()], running, now }, waiting, {
      ...scheduleOptions,
      reservations,
    });
    reservations = result.reservations;
    const placedById = groupByJob(result.placements);
    for (const [jobId, placements] of placedById) {
      estimates[jobId] = now;
      for (const placement of placements) apply(nodes, placement, -1);
    }
    const victims = new Set((result.preemptions ?? []).map((preemption) => preemption.jobId));
    running = running.filter((job) => {
      if (!victims.has(job.id)) return true;
      for (const placement of job.placements) apply(nodes, placement, 1);
      return false;
    });
    const started = waiting.filter((job) => placedById.has(job.id));
    for (const job of started) running.push(startedJob(job, placedById.get(job.id)!, now));
    waiting = waiting.filter((job) => !placedById.has(job.id));
    // Victims are gone now: the jobs they made room for start in a cycle at this same moment.
    if (victims.size > 0) continue;

    // A share over budget is back under at its `underAt`: the forecast steps there too.
    const next = Math.max(
      now,
      Math.min(nextStep(running), nextBudgetRelease(scheduleOptions.overBudget, now)),
    );
    if (!Number.isFinite(next) || next - start > horizonMs) break;
    now = next;
    running = running.filter((job) => {
      if (job.expectedEndAt > now) return true;
      for (const placement of job.placements) apply(nodes, placement, 1);
      return false;
    });
  }
  return estimates;
}

/** The expected end of the ceil(running * ENDS_PER_STEP)-th job to end; Infinity when none will. */
function nextStep(running: readonly RunningJob[]): number {
  const ends = running.map((job) => job.expectedEndAt).filter(Number.isFinite);
  if (ends.length === 0) return Number.POSITIVE_INFINITY;
  ends.sort((a, b) => a - b);
  const count = Math.max(1, Math.ceil(running.length * ENDS_PER_STEP));
  return ends[Math.min(ends.length, count) - 1]!;
}

function startedJob(job: PendingJob, placements: Placement[], now: number): RunningJob {
  return {
    id: job.id,
    queue: job.queue,
    priority: job.priority,
    queuePriority: job.queuePriority,
    share: job.share,
    placements,
    startedAt: now,
    expectedEndAt:
      job.expectedDurationMs === undefined ? Number.POSITIVE_INFINITY : now + job.expectedDurationMs,
    // Whether its queue allows preemption is not known here; forecasting it as protected is conservative.
    preemptible: false,
  };
}

function groupByJob(placements: readonly Placement[]): Map<string, Placement[]> {
  const byJob = new Map<string, Placement[]>();
  for (const placement of placements) {
    const list = byJob.get(placement.jobId);
    if (list === undefined) byJob.set(placement.jobId, [placement]);
    else list.push(placement);
  }
  return byJob;
}

function copyNode(node: NodeState): NodeState {
  return { ...node, labels: { ...node.labels }, gpus: node.gpus.map((gpu) => ({ ...gpu })) };
}

/** Takes (-1) or gives back (+1) a placement's capacity; placements on nodes that are gone are ignored. */
function apply(nodes: Map<string, NodeState>, placement: Placement, direction: -1 | 1): void {
  const node = nodes.get(placement.node);
  if (node === undefined) return;
  for (const gpu of node.gpus) {
    if (placement.gpuIndices.includes(gpu.index)) gpu.freeMilli += direction * placement.gpuMilliPerGpu;
  }
  node.cpuMilliFree += direction * placement.cpuMilli;
  node.memoryMiBFree += direction * placement.memoryMiB;
}
