// Jobs waiting for a place (the look-ahead window BullMQ workers hand us) and the cycle that places them
// with the pure core. Each waiter gets its placement, or is dropped (cancel, shutdown). The cycle also
// asks running jobs to make room (preemption) and publishes when waiting jobs should start.
import { Alarm } from './alarm.ts';
import { Allocations } from './allocations.ts';
import { describeReason, type ScheduleOptions, schedule } from './core/index.ts';
import type {
  NodeState,
  PendingJob,
  Placement,
  Reservation,
  RunningJob,
  ScheduleResult,
  Snapshot,
} from './core/types.ts';
import type { Lane } from './lanes.ts';
import type { LogFn } from './logging/logger.ts';
import type { QueueSettings } from './queue-settings.ts';

export type WaitOutcome = { kind: 'placed'; placement: Placement } | { kind: 'dropped'; reason: string };

interface Waiter {
  job: PendingJob;
  resolve(outcome: WaitOutcome): void;
  lastReason?: string;
  /** Not offered to the core before this time (ms): a retry backoff. */
  notBefore?: number;
}

/** One compute environment as a cycle sees it: its usable nodes of now and its placement policy. */
export interface EnvironmentNodes {
  name: string;
  scorer?: string;
  nodes: NodeState[];
}

export interface PlacementLoopOptions {
  /** Every node a job may be placed on (all compute environments), at full capacity. */
  nodes: () => NodeState[];
  /**
   * With several compute environments: each one's nodes, read every cycle. A job is offered to the first
   * environment of its queue's order, and what does not fit there now to the next (AWS Batch's
   * computeEnvironmentOrder). Without it every job may go on any of `nodes()`, with `scorer`.
   */
  environments?: () => EnvironmentNodes[];
  /** The compute environments a queue feeds, in order (with `environments`). */
  environmentsOf?: (queue: string) => readonly string[];
  now: () => number;
  scorer?: string;
  /** How long a preempted attempt is expected to take to stop (the executor's grace); default 5 s. */
  preemptionGraceMs?: number;
  /**
   * A queue's current settings, read every cycle: a changed priority or preemption right reaches jobs
   * already waiting, and a queue's maxConcurrentJobs caps how many of its jobs the core is offered.
   * Whether a job is preemptible is read when it starts. Without it nothing is preemptible.
   */
  queueSettings?: (queue: string) => QueueSettings;
  /** Extra core options computed per cycle (fair-share state, workload). */
  cycleOptions?: (snapshot: Snapshot) => Partial<ScheduleOptions>;
  /** Called when a waiting job's reason changes, so users see why it waits. */
  onUnschedulable?: (jobId: string, reason: string) => void;
  /** The core chose this running job to stop so `forJobId` can run. */
  onPreempt?: (jobId: string, forJobId: string) => void;
  /** A job of `queue` started or stopped holding capacity; `running` is how many of that queue hold now. */
  onRunningChange?: (queue: string, runningByLane: ReadonlyMap<Lane, number>) => void;
  /** A job gave back the capacity it held (once per hold), at `at` (ms): GPU-hour budgets charge it. */
  onReleased?: (job: RunningJob, at: number) => void;
  /** After a cycle, with the waiting jobs and the snapshot it saw (for estimates); throttled by the caller. */
  onCycle?: (snapshot: Snapshot, waiting: readonly PendingJob[], options: ScheduleOptions) => void;
  log?: LogFn;
  /** Observes each cycle's duration in seconds (gpubatch_scheduling_cycle_seconds). */
  cycleSeconds?: { observe(seconds: number): void };
}

export class PlacementLoop {
  readonly allocations = new Allocations();
  private readonly waiters = new Map<string, Waiter>();
  private readonly options: PlacementLoopOptions;
  /** Victims already asked to stop: asked once, not every cycle until they are gone. */
  private readonly preempting = new Set<string>();
  private scheduled = false;
  /** The last cycle's reservations: their holders keep their claim in the next cycle (leader memory only). */
  private reservations: Reservation[] = [];
  private closedReason?: string;
  /** A cycle due when the earliest backed-off waiter becomes placeable. */
  private readonly wake = new Alarm(() => this.requestCycle());

  constructor(options: PlacementLoopOptions) {
    this.options = options;
  }

  /**
   * Resolves when the core places the job (its capacity is then held until release()). A job with
   * `notBefore` (a retry backoff) waits here but is left out of the cycles until then.
   */
  waitForPlacement(job: PendingJob, options: { notBefore?: number } = {}): Promise<WaitOutcome> {
    if (this.closedReason) return Promise.resolve({ kind: 'dropped', reason: this.closedReason });
    return new Promise((resolve) => {
      this.waiters.set(job.id, { job, resolve, notBefore: options.notBefore });
      this.requestCycle();
    });
  }

  drop(jobId: string, reason: string): void {
    const waiter = this.waiters.get(jobId);
    if (!waiter) return;
    this.waiters.delete(jobId);
    waiter.resolve({ kind: 'dropped', reason });
  }

  /** Drops every waiter and refuses new ones (shutdown): late arrivals are dropped at once. */
  close(reason: string): void {
    this.closedReason = reason;
    this.wake.cancel();
    for (const id of [...this.waiters.keys()]) this.drop(id, reason);
  }

  /**
   * Holds the capacity of an attempt that is already running (re-attached after a restart), as if the
   * core had just placed it there.
   */
  adopt(job: PendingJob, placement: Placement, startedAt: number): void {
    this.hold(job, [placement], startedAt);
  }

  release(jobId: string): void {
    const held = this.allocations.heldBy(jobId);
    const queue = held?.queue;
    this.allocations.release(jobId);
    if (held !== undefined) this.options.onReleased?.(held, this.options.now());
    if (queue !== undefined)
      this.options.onRunningChange?.(queue, this.allocations.countInQueueByLane(queue));
    this.preempting.delete(jobId);
    this.requestCycle();
  }

  /** The jobs waiting for a place now. */
  pendingJobs(): PendingJob[] {
    return [...this.waiters.values()].map((w) => w.job);
  }

  /** The capacity the core would see now: the executor's nodes less what running attempts hold. */
  currentSnapshot(): Snapshot {
    return this.allocations.snapshot(this.options.nodes(), this.options.now());
  }

  get waiting(): number {
    return this.waiters.size;
  }

  /** Cycles are coalesced: many arrivals in one tick cost one cycle. */
  requestCycle(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.cycle();
    });
  }

  cycle(): void {
    if (this.waiters.size === 0) return;
    const began = performance.now();
    try {
      this.placeWaiting();
    } finally {
      this.options.cycleSeconds?.observe((performance.now() - began) / 1000);
    }
  }

  private placeWaiting(): void {
    const now = this.options.now();
    const pending = this.placeable(now);
    if (pending.length === 0) return;
    const snapshot = this.allocations.snapshot(this.options.nodes(), now);
    // Once per cycle, on every node: fair-share usage and budgets are charged for the whole cycle.
    const options: ScheduleOptions = {
      scorer: this.options.scorer,
      reservations: this.reservations,
      ...this.options.cycleOptions?.(snapshot),
    };
    let unplaced: Map<string, string>;
    try {
      unplaced = this.options.environments
        ? this.placeInOrder(this.options.environments(), pending, options, now)
        : this.placeOnce(snapshot, pending, options, now);
    } catch (error) {
      // A bug in the core must not take the API down with it; the jobs keep waiting and say why.
      this.options.log?.(`scheduling cycle failed: ${(error as Error).stack ?? error}`, { level: 'error' });
      for (const waiter of this.waiters.values()) {
        this.options.onUnschedulable?.(waiter.job.id, 'scheduler error (see the service log); will retry');
      }
      return;
    }
    for (const [jobId, text] of unplaced) {
      const waiter = this.waiters.get(jobId);
      if (!waiter) continue;
      if (text !== waiter.lastReason) {
        waiter.lastReason = text;
        this.options.onUnschedulable?.(jobId, text);
      }
    }
    const waiting = pending.filter((job) => this.waiters.has(job.id));
    if (waiting.length > 0)
      this.options.onCycle?.(
        snapshot,
        waiting,
        // The forecast starts from this cycle's reservations, as the next cycle will.
        { ...options, reservations: this.reservations },
      );
  }

  /** One core cycle over `snapshot`: placements started, preemptions asked; returns each unplaced job's reason. */
  private placeOnce(
    snapshot: Snapshot,
    pending: PendingJob[],
    options: ScheduleOptions,
    now: number,
  ): Map<string, string> {
    const result = schedule(snapshot, pending, options);
    this.reservations = result.reservations ?? [];
    this.apply(result, now);
    return new Map(result.unschedulable.map(({ jobId, reason }) => [jobId, describeReason(reason)]));
  }

  /**
   * AWS Batch's computeEnvironmentOrder: round k offers each job still unplaced to the k-th compute
   * environment of its queue, one core cycle per environment over that environment's nodes and the jobs
   * running there, so what is placed in one round is held before the next. A job placed nowhere waits with
   * the reasons of each environment tried (named when its queue has more than one).
   */
  private placeInOrder(
    environments: EnvironmentNodes[],
    pending: PendingJob[],
    options: ScheduleOptions,
    now: number,
  ): Map<string, string> {
    const orderOf = (job: PendingJob) => this.options.environmentsOf?.(job.queue) ?? [environments[0]!.name];
    const known = new Set(environments.map((e) => e.name));
    const reasons = new Map<string, string[]>();
    const reservations: Reservation[] = [];
    let remaining = pending;
    let rounds = 0; // a loop, not Math.max(...): the window may hold more jobs than a call takes arguments
    for (const job of pending) rounds = Math.max(rounds, orderOf(job).length);
    for (let round = 0; round < rounds && remaining.length > 0; round++) {
      for (const environment of environments) {
        const offered = remaining.filter((job) => orderOf(job)[round] === environment.name);
        if (offered.length === 0) continue;
        const names = new Set(environment.nodes.map((node) => node.name));
        const snapshot = this.allocations.snapshot(environment.nodes, now);
        snapshot.running = snapshot.running?.filter((job) => job.placements.some((p) => names.has(p.node)));
        const result = schedule(snapshot, offered, {
          ...options,
          scorer: environment.scorer ?? options.scorer,
        });
        reservations.push(...(result.reservations ?? []));
        this.apply(result, now);
        for (const { jobId, reason } of result.unschedulable) {
          const list = reasons.get(jobId) ?? [];
          list.push(`${environment.name}: ${describeReason(reason)}`);
          reasons.set(jobId, list);
        }
      }
      remaining = remaining.filter((job) => this.waiters.has(job.id));
    }
    const placed = (id: string) => !this.waiters.has(id);
    this.reservations = reservations.filter((reservation) => !placed(reservation.jobId));
    const texts = new Map<string, string>();
    for (const job of remaining) {
      const order = orderOf(job);
      const tried = reasons.get(job.id) ?? [];
      const missing = order.filter((name) => !known.has(name));
      if (tried.length === 0) {
        texts.set(
          job.id,
          `no compute environment of queue ${job.queue} is available (${missing.join(', ')})`,
        );
        continue;
      }
      // A queue of one environment keeps the core's sentence as it is.
      texts.set(job.id, order.length === 1 ? tried[0]!.slice(order[0]!.length + 2) : tried.join('; '));
    }
    return texts;
  }

  /** Starts the result's placements and asks its victims to stop. */
  private apply(result: ScheduleResult, now: number): void {
    this.start(result.placements, now);
    for (const { jobId, forJobId } of result.preemptions ?? []) {
      if (this.preempting.has(jobId)) continue;
      this.preempting.add(jobId);
      this.allocations.markStopping(jobId, forJobId, now + (this.options.preemptionGraceMs ?? 5_000));
      this.options.onPreempt?.(jobId, forJobId);
    }
  }

  /**
   * Waiting jobs past their backoff, with their queue's current settings, and no more of a capped queue
   * than its free slots (highest job priority first, then oldest); arms a cycle for the next backoff.
   */
  private placeable(now: number): PendingJob[] {
    const due: Waiter[] = [];
    let nextDue = Number.POSITIVE_INFINITY;
    for (const waiter of this.waiters.values()) {
      if (waiter.notBefore !== undefined && waiter.notBefore > now)
        nextDue = Math.min(nextDue, waiter.notBefore);
      else due.push(waiter);
    }
    if (nextDue !== Number.POSITIVE_INFINITY) this.wake.fireBy(nextDue, now);
    const settingsOf = this.options.queueSettings;
    if (!settingsOf) return due.map((w) => w.job);
    // A cap is a limit on capacity held, so the core is offered only as many jobs as the queue may start.
    // Uncapped queues' jobs keep their order; a capped queue's go by urgency into its free slots.
    const pending: PendingJob[] = [];
    const capped = new Map<string, Waiter[]>();
    for (const waiter of due) {
      const { queue } = waiter.job;
      const settings = settingsOf(queue);
      waiter.job = withQueueSettings(waiter.job, settings);
      if (settings.maxConcurrentJobs === undefined) pending.push(waiter.job);
      else {
        const list = capped.get(queue);
        if (list) list.push(waiter);
        else capped.set(queue, [waiter]);
      }
    }
    for (const [queue, waiters] of capped) {
      const cap = settingsOf(queue).maxConcurrentJobs!;
      const free = Math.max(0, cap - this.allocations.countInQueue(queue));
      const byUrgency = waiters.toSorted(
        (a, b) => b.job.priority - a.job.priority || a.job.submittedAt - b.job.submittedAt,
      );
      for (const waiter of byUrgency.slice(0, free)) pending.push(waiter.job);
      const reason = `queue ${queue} is at its maxConcurrentJobs (${cap} jobs starting or running)`;
      for (const waiter of byUrgency.slice(free)) {
        if (reason === waiter.lastReason) continue;
        waiter.lastReason = reason;
        this.options.onUnschedulable?.(waiter.job.id, reason);
      }
    }
    return pending;
  }

  /** Holds each placed job's capacity ("assume") and wakes its driver. */
  private start(placements: readonly Placement[], now: number): void {
    const byJob = new Map<string, Placement[]>();
    for (const placement of placements)
      byJob.set(placement.jobId, [...(byJob.get(placement.jobId) ?? []), placement]);
    for (const [jobId, members] of byJob) {
      const waiter = this.waiters.get(jobId);
      if (!waiter) continue;
      this.waiters.delete(jobId);
      this.hold(waiter.job, members, now);
      const first = members.find((p) => (p.member ?? 0) === 0) ?? members[0]!;
      waiter.resolve({ kind: 'placed', placement: first });
    }
  }

  /** Holds the job's capacity from `startedAt` until release(). */
  private hold(job: PendingJob, placements: Placement[], startedAt: number): void {
    this.allocations.hold({
      id: job.id,
      queue: job.queue,
      priority: job.priority,
      queuePriority: job.queuePriority,
      share: job.share,
      placements,
      startedAt,
      expectedEndAt: startedAt + (job.expectedDurationMs ?? Number.MAX_SAFE_INTEGER / 2),
      preemptible: this.options.queueSettings?.(job.queue).preemptible ?? false,
    });
    this.options.onRunningChange?.(job.queue, this.allocations.countInQueueByLane(job.queue));
  }
}

/** The job with its queue's settings of now (the same object when nothing changed). */
function withQueueSettings(job: PendingJob, settings: QueueSettings): PendingJob {
  if (job.queuePriority === settings.priority && (job.canPreempt ?? false) === settings.canPreempt)
    return job;
  return { ...job, queuePriority: settings.priority, canPreempt: settings.canPreempt };
}
