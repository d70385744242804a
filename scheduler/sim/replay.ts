// `queue` mode: replays a trace's arrivals and departures on virtual time through the production core.
// At every event time (arrivals, completions) it runs one schedule() cycle on the free capacity, starts
// what was placed, honours preemptions and keeps fair-share usage, exactly as the service would; only the
// clock and the executor are simulated. Pure and deterministic: the same inputs give the same result.
import { accrueUsage, decayUsageByKey } from '../core/fair-share.ts';
import { type ScheduleOptions, schedule } from '../core/schedule.ts';
import type {
  NodeState,
  PendingJob,
  Placement,
  QueueFairSharePolicy,
  Reservation,
  RunningJob,
  ScheduleResult,
  WorkloadSample,
} from '../core/types.ts';
import { workloadOf } from '../core/workload.ts';
import { laneOf, laneQueueName } from '../lanes.ts';
import { CapacityLedger } from './capacity-ledger.ts';
import { EventQueue } from './event-queue.ts';
import { type TraceJob, toPendingJob } from './trace.ts';

export interface QueueSettings {
  /** Higher queues are served first. */
  priority?: number;
  /** Its running jobs may be preempted by higher-priority jobs. */
  preemptible?: boolean;
  /** Its jobs may preempt lower-priority preemptible jobs. */
  canPreempt?: boolean;
  /** Its own fair share between its shares (weights, half-life, compute reservation), as in the service. */
  fairSharePolicy?: QueueFairSharePolicy;
}

export interface QueueReplayOptions {
  /** Scorer name (a policy in the core's registry). */
  policy: string;
  /** Seed for seeded scorers (`random`). Default 0. */
  seed?: number;
  /** Fair-share weight per share identifier; a missing share weighs 1. */
  shareWeights?: Record<string, number>;
  /** Half-life of past fair-share usage, seconds. Default one day. */
  halfLifeSeconds?: number;
  /** Reservations and backfill for jobs that do not fit. Default true. */
  backfill?: boolean;
  /** Per job queue: priority and preemption. */
  queues?: Record<string, QueueSettings>;
  /** Stop at this virtual time (seconds), even if work remains. Default: run until nothing more happens. */
  horizonSeconds?: number;
  /** The workload fragmentation is judged against. Default: the trace's job shapes. */
  workload?: readonly WorkloadSample[];
  /**
   * Look-ahead window: at most this many pending jobs per queue are offered to the core, as the service's
   * BullMQ workers deliver them (`windowPerQueue` in the service config): by job priority, highest first,
   * then submit time. The rest wait in the queue's backlog and enter the window as its jobs start. 0: no
   * window (every pending job is offered every cycle). Default 256, the service's default.
   */
  windowPerQueue?: number;
}

/** One period a job held capacity: a start until completion, preemption or the end of the replay. */
export interface JobRun {
  jobId: string;
  queue: string;
  share: string;
  start: number;
  end: number;
  /** GPUs held, in whole-GPU units, all gang members together (a quarter share is 0.25). */
  gpus: number;
  /** How the run ended; 'running' when the replay stopped first. */
  outcome: 'completed' | 'preempted' | 'running';
}

export interface JobOutcome {
  id: string;
  queue: string;
  share: string;
  submitTime: number;
  /** GPUs asked for, in whole-GPU units, all gang members together. */
  gpus: number;
  /** First start, seconds; undefined if it never started. */
  startTime?: number;
  /** Completion, seconds; undefined if it had not completed when the replay stopped. */
  endTime?: number;
  preemptions: number;
}

/** GPUs allocated from `time` until the next sample. */
export interface AllocationSample {
  time: number;
  allocatedGpus: number;
}

export interface QueueReplayResult {
  policy: string;
  clusterGpus: number;
  /** In trace order. */
  jobs: JobOutcome[];
  /** In the order they ended (runs still going at the end come last). */
  runs: JobRun[];
  /** A step series: one sample per event time, after that time's cycle. */
  allocation: AllocationSample[];
  preemptions: number;
  cycles: number;
  /** Virtual time when the replay stopped, seconds. */
  endTime: number;
  /**
   * `finished`: every job that can end has ended and none waits; `horizon`: stopped at horizonSeconds;
   * `stalled`: jobs still wait but nothing more will happen (they wait behind jobs that never end, or fit
   * no node).
   */
  stoppedBy: 'finished' | 'horizon' | 'stalled';
}

const DEFAULT_HALF_LIFE_SECONDS = 24 * 3600;
/** Cycles run again at one instant while they preempt: preempted capacity frees, the waiting job starts. */
const MAX_CYCLES_PER_INSTANT = 16;
/** The service's default look-ahead window (`windowPerQueue` in scheduler/config.ts). */
export const DEFAULT_WINDOW_PER_QUEUE = 256;

interface Waiting {
  job: TraceJob;
  pending: PendingJob;
}

/** A queue's jobs not yet in the window, in BullMQ's delivery order: priority (highest first), then FIFO. */
class Backlog {
  private readonly buckets = new Map<number, { items: (Waiting | undefined)[]; head: number }>();
  /** Priorities with a bucket, highest first. */
  private priorities: number[] = [];
  size = 0;

  push(entry: Waiting): void {
    const priority = entry.pending.priority;
    let bucket = this.buckets.get(priority);
    if (bucket === undefined) {
      bucket = { items: [], head: 0 };
      this.buckets.set(priority, bucket);
      this.priorities = [...this.priorities, priority].sort((a, b) => b - a);
    }
    bucket.items.push(entry);
    this.size++;
  }

  shift(): Waiting | undefined {
    for (const priority of this.priorities) {
      const bucket = this.buckets.get(priority)!;
      if (bucket.head < bucket.items.length) {
        const entry = bucket.items[bucket.head]!;
        bucket.items[bucket.head++] = undefined; // let it be collected
        this.size--;
        return entry;
      }
    }
    return undefined;
  }
}

interface Running {
  job: TraceJob;
  pending: PendingJob;
  placements: Placement[];
  startedAt: number;
  /** Distinguishes this run's completion event from a stale one of a run that was preempted. */
  run: number;
  core: RunningJob;
}

function placedGpus(placements: readonly Placement[]): number {
  return placements.reduce((sum, p) => sum + (p.gpuMilliPerGpu * p.gpuIndices.length) / 1000, 0);
}

function requestedGpus(job: TraceJob): number {
  return (job.numGpu + job.gpuMilli / 1000) * (job.nodes ?? 1);
}

/** Whether one member of the job fits some node's free capacity now: a cheap necessary condition. */
function fitsSomeNode(nodes: readonly NodeState[], job: PendingJob): boolean {
  const { gpus, gpuMilli, gpuModel, cpuMilli, memoryMiB } = job.resources;
  const need = gpus > 0 ? 1000 : gpuMilli;
  const count = gpus > 0 ? gpus : gpuMilli > 0 ? 1 : 0;
  return nodes.some((node) => {
    if (node.cpuMilliFree < cpuMilli || node.memoryMiBFree < memoryMiB) return false;
    let usable = 0;
    for (const gpu of node.gpus) {
      if (usable >= count) break;
      if (gpu.freeMilli >= need && (gpuModel.length === 0 || gpuModel.includes(gpu.model))) usable++;
    }
    return usable >= count;
  });
}

export function replayQueue(
  cluster: readonly NodeState[],
  trace: readonly TraceJob[],
  options: QueueReplayOptions,
): QueueReplayResult {
  const ledger = new CapacityLedger(cluster);
  const halfLifeMs = (options.halfLifeSeconds ?? DEFAULT_HALF_LIFE_SECONDS) * 1000;
  const queueOf = (job: TraceJob) => options.queues?.[job.queue ?? 'default'] ?? {};
  const queuePolicies: Record<string, QueueFairSharePolicy> = {};
  for (const [name, queue] of Object.entries(options.queues ?? {}))
    if (queue.fairSharePolicy) queuePolicies[name] = queue.fairSharePolicy;
  const workload = options.workload ?? workloadOf(trace.map((job) => toPendingJob(job).resources));
  const windowSize = options.windowPerQueue ?? DEFAULT_WINDOW_PER_QUEUE;
  if (!Number.isInteger(windowSize) || windowSize < 0)
    throw new Error(`windowPerQueue must be a whole number >= 0, got ${windowSize}`);
  const windowLimit = windowSize === 0 ? Number.POSITIVE_INFINITY : windowSize;

  const outcomes = new Map<string, JobOutcome>();
  for (const job of trace) {
    if (outcomes.has(job.id)) throw new Error(`trace has two jobs with id ${job.id}`);
    outcomes.set(job.id, {
      id: job.id,
      queue: job.queue ?? 'default',
      share: job.share ?? '',
      submitTime: job.submitTime,
      gpus: requestedGpus(job),
      preemptions: 0,
    });
  }
  const arrivals = [...trace].sort((a, b) => a.submitTime - b.submitTime); // stable: ties keep trace order
  const completions = new EventQueue<{ jobId: string; run: number }>();
  /** The jobs in the window: what the core is offered. */
  const pending = new Map<string, Waiting>();
  /** Per queue: jobs in the window, and those still behind it. */
  // One window per size lane of each queue, as the service's BullMQ workers.
  const windowOf = (job: PendingJob) => laneQueueName(job.queue, laneOf(job));
  const inWindow = new Map<string, number>();
  const backlogs = new Map<string, Backlog>();
  /** Jobs that entered the window from a backlog since the last cycle. */
  let delivered: PendingJob[] = [];
  const running = new Map<string, Running>();
  const runs: JobRun[] = [];
  const allocation: AllocationSample[] = [];
  let usage: Record<string, number> = {};
  let nextArrival = 0;
  let runCounter = 0;
  let preemptions = 0;
  let cycles = 0;
  let now = arrivals[0]?.submitTime ?? 0;

  const endRun = (entry: Running, end: number, outcome: JobRun['outcome']) => {
    runs.push({
      jobId: entry.job.id,
      queue: entry.pending.queue,
      share: entry.pending.share ?? '',
      start: entry.startedAt,
      end,
      gpus: placedGpus(entry.placements),
      outcome,
    });
  };

  const start = (jobId: string, placements: Placement[]) => {
    const waiting = pending.get(jobId);
    if (waiting === undefined) throw new Error(`the core placed ${jobId}, which is not pending`);
    pending.delete(jobId);
    const window = windowOf(waiting.pending);
    inWindow.set(window, inWindow.get(window)! - 1);
    ledger.take(placements);
    const { job } = waiting;
    const run = ++runCounter;
    const endsAt = job.duration === undefined ? Number.POSITIVE_INFINITY : now + job.duration;
    const settings = queueOf(job);
    running.set(jobId, {
      job,
      pending: waiting.pending,
      placements,
      startedAt: now,
      run,
      core: {
        id: jobId,
        queue: waiting.pending.queue,
        priority: waiting.pending.priority,
        queuePriority: waiting.pending.queuePriority ?? 0,
        share: waiting.pending.share ?? '',
        placements,
        startedAt: now * 1000,
        expectedEndAt: endsAt * 1000,
        preemptible: settings.preemptible === true,
      },
    });
    if (Number.isFinite(endsAt)) completions.push(endsAt, { jobId, run });
    const outcome = outcomes.get(jobId)!;
    outcome.startTime ??= now;
  };

  const preempt = (jobId: string) => {
    const victim = running.get(jobId);
    if (victim === undefined) throw new Error(`the core preempted ${jobId}, which is not running`);
    running.delete(jobId);
    ledger.give(victim.placements);
    endRun(victim, now, 'preempted');
    // It starts over later (no checkpoint in the trace), keeping its place by submit time.
    // Its driver keeps its place in the service's window, so it goes straight back in (even if full).
    pending.set(jobId, { job: victim.job, pending: victim.pending });
    inWindow.set(windowOf(victim.pending), (inWindow.get(windowOf(victim.pending)) ?? 0) + 1);
    outcomes.get(jobId)!.preemptions++;
    preemptions++;
  };

  // Reservations carry from cycle to cycle, as the service's placement loop carries them.
  let reservations: Reservation[] = [];
  const cycle = (): ScheduleResult => {
    cycles++;
    const runningJobs = [...running.values()].map((entry) => entry.core);
    const scheduleOptions: ScheduleOptions = {
      scorer: options.policy,
      workload,
      seed: options.seed ?? 0,
      fairShare: { weights: options.shareWeights ?? {}, usage, halfLifeMs, queuePolicies },
      backfill: options.backfill ?? true,
      reservations,
    };
    const result = schedule(
      { nodes: ledger.nodes, running: runningJobs, now: now * 1000 },
      [...pending.values()].map((entry) => entry.pending),
      scheduleOptions,
    );
    reservations = result.reservations ?? [];
    const byJob = new Map<string, Placement[]>();
    for (const placement of result.placements) {
      const members = byJob.get(placement.jobId) ?? [];
      members.push(placement);
      byJob.set(placement.jobId, members);
    }
    for (const [jobId, placements] of byJob) start(jobId, placements);
    // Started jobs leave the window; the next jobs of their queues' backlogs take their places.
    for (const [queue, backlog] of backlogs) {
      while (backlog.size > 0 && (inWindow.get(queue) ?? 0) < windowLimit) {
        const entry = backlog.shift()!;
        pending.set(entry.job.id, entry);
        inWindow.set(queue, (inWindow.get(queue) ?? 0) + 1);
        delivered.push(entry.pending);
      }
    }
    // Preempted capacity is not used by this cycle's placements; the next cycle at this instant uses it.
    for (const { jobId } of result.preemptions ?? []) preempt(jobId);
    return result;
  };

  // Fair-share usage is kept with the core's own helpers, as the service keeps it.
  const advanceTo = (time: number) => {
    if (time > now) {
      const elapsedMs = (time - now) * 1000;
      const snapshot = { nodes: ledger.nodes, running: [...running.values()].map((entry) => entry.core) };
      usage = accrueUsage(
        decayUsageByKey(usage, elapsedMs, halfLifeMs, queuePolicies),
        snapshot,
        elapsedMs,
        queuePolicies,
      );
    }
    now = time;
  };

  let stoppedBy: QueueReplayResult['stoppedBy'] = 'finished';
  for (;;) {
    const arrivalTime = arrivals[nextArrival]?.submitTime;
    const completionTime = completions.peekTime();
    const time = Math.min(arrivalTime ?? Infinity, completionTime ?? Infinity);
    if (time === Infinity) {
      if (pending.size > 0) stoppedBy = 'stalled';
      break;
    }
    if (options.horizonSeconds !== undefined && time > options.horizonSeconds) {
      advanceTo(Math.max(now, options.horizonSeconds));
      stoppedBy = 'horizon';
      break;
    }
    advanceTo(time);
    while (completions.peekTime() === time) {
      const { jobId, run } = completions.pop()!;
      const entry = running.get(jobId);
      if (entry === undefined || entry.run !== run) continue; // that run was preempted
      running.delete(jobId);
      ledger.give(entry.placements);
      endRun(entry, time, 'completed');
      outcomes.get(jobId)!.endTime = time;
    }
    while (arrivals[nextArrival]?.submitTime === time) {
      const job = arrivals[nextArrival++]!;
      const settings = queueOf(job);
      const entry: Waiting = {
        job,
        pending: {
          ...toPendingJob(job),
          queuePriority: settings.priority ?? 0,
          canPreempt: settings.canPreempt === true,
        },
      };
      const window = windowOf(entry.pending);
      const backlog = backlogs.get(window);
      if ((inWindow.get(window) ?? 0) < windowLimit && (backlog === undefined || backlog.size === 0)) {
        pending.set(job.id, entry);
        inWindow.set(window, (inWindow.get(window) ?? 0) + 1);
      } else if (backlog === undefined) {
        const created = new Backlog();
        created.push(entry);
        backlogs.set(window, created);
      } else backlog.push(entry);
    }
    if (pending.size > 0) {
      // Again at the same instant while the cycle preempted (freed capacity for the waiting job) or jobs
      // entered the window because others started (the service's workers hand them over at once).
      for (let preempting = 0; preempting < MAX_CYCLES_PER_INSTANT; ) {
        delivered = [];
        const result = cycle();
        if (pending.size === 0) break;
        if ((result.preemptions ?? []).length > 0) preempting++;
        // Nothing else changed, so the jobs that were in the window still cannot start: again only if one
        // that entered could start now (or preempt to). A saturated cluster skips the pointless cycle.
        else if (!delivered.some((job) => job.canPreempt === true || fitsSomeNode(ledger.nodes, job))) break;
      }
    }
    const last = allocation.at(-1);
    if (last?.time === time) last.allocatedGpus = ledger.allocatedGpus;
    else allocation.push({ time, allocatedGpus: ledger.allocatedGpus });
  }

  for (const entry of running.values()) endRun(entry, now, 'running');
  if (allocation.at(-1)?.time !== now) allocation.push({ time: now, allocatedGpus: ledger.allocatedGpus });
  return {
    policy: options.policy,
    clusterGpus: ledger.totalGpus,
    jobs: [...outcomes.values()],
    runs,
    allocation,
    preemptions,
    cycles,
    endTime: now,
    stoppedBy,
  };
}
