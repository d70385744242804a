// One scheduling cycle: offer pending jobs in fair order to a working copy of the cluster, assuming each
// placement so later jobs see the capacity it took. Jobs that do not fit may preempt (opt-in), and the
// first of them gets a reservation that later jobs may only backfill around.
import { findReservation, type Release, ReservationBook, type Restriction } from './backfill.ts';
import { FairShareLedger } from './fair-share.ts';
import { createJobPlacer, type JobPlacer, placeJob } from './gang.ts';
import { FairOrder, membersOf } from './order.ts';
import type { EngineOptions } from './placement-engine.ts';
import { findPreemption, outranks } from './preemption.ts';
import { RefusalCache } from './refusals.ts';
import { WorkingSnapshot } from './snapshot.ts';
import type {
  FairShareState,
  PendingJob,
  Placement,
  Preemption,
  ScheduleResult,
  Snapshot,
  Unschedulable,
  UnschedulableReason,
} from './types.ts';

export interface ScheduleOptions extends EngineOptions {
  /** Weights and decayed past usage per share identifier; default: every weight 1, no past usage. */
  fairShare?: FairShareState;
  /** Reserve capacity for the first job that does not fit, and let later jobs only backfill; default true. */
  backfill?: boolean;
}

/** Jobs that may look for victims per cycle: preemption what-ifs are the costly part of a cycle. */
export const MAX_PREEMPTION_SEARCHES = 16;
/** Jobs that may look for a reservation per cycle (the first that does not fit, and a few after it if
 * it can never get one, e.g. while nodes are cordoned). */
export const MAX_RESERVATION_SEARCHES = 4;

/** Pure and deterministic: the same input gives the same result, and the input is not changed. */
export function schedule(
  snapshot: Snapshot,
  pending: readonly PendingJob[],
  options: ScheduleOptions = {},
): ScheduleResult {
  const cycle = new Cycle(snapshot, options);
  const order = new FairOrder(pending, new FairShareLedger(snapshot, options.fairShare));
  for (let job = order.next(); job !== undefined; job = order.next()) {
    if (cycle.offer(job)) order.placed(job);
  }
  return cycle.result();
}

class Cycle {
  readonly #snapshot: Snapshot;
  readonly #now: number;
  readonly #working: WorkingSnapshot;
  readonly #placer: JobPlacer;
  readonly #backfill: boolean;
  readonly #book: ReservationBook;
  /** Refusals of single tasks on all nodes: the common case, cached per request shape. */
  readonly #refusals: RefusalCache;
  /**
   * Other refusals (gangs, jobs kept off reserved nodes), per shape and restriction. Within a cycle the
   * committed state only loses capacity (what-ifs are rolled back), so a refusal stands for the whole cycle;
   * its numbers are those of the moment it was first refused, as in RefusalCache.
   */
  readonly #memo = new Map<string, UnschedulableReason>();
  /** Preemption searches that found nothing. Capacity only shrinks and victims only get claimed within a
   * cycle, so an identical job (same shape, priority and restriction) would find nothing either. */
  readonly #fruitless = new Set<string>();
  readonly #placements: Placement[] = [];
  readonly #unschedulable: Unschedulable[] = [];
  readonly #preemptions: Preemption[] = [];
  /** Capacity placed in this cycle that frees again at a known time (counts for reservations). */
  readonly #placedReleases: Release[] = [];
  readonly #claimed = new Set<string>();
  #reservationSearches = 0;
  #headReserved = false;
  #preemptionSearches = 0;

  constructor(snapshot: Snapshot, options: ScheduleOptions) {
    this.#snapshot = snapshot;
    this.#now = snapshot.now ?? 0;
    this.#working = new WorkingSnapshot(snapshot);
    this.#placer = createJobPlacer(this.#working, options);
    this.#backfill = options.backfill ?? true;
    this.#book = new ReservationBook(this.#now);
    this.#refusals = new RefusalCache(this.#working);
  }

  /** Places the job if it fits; otherwise records why, and may preempt or reserve for it. True if placed. */
  offer(job: PendingJob): boolean {
    const restriction = this.#book.restrictionFor(job);
    const simple = membersOf(job) === 1 && restriction.allow === undefined;
    const memoKey = simple ? '' : `fit|${shapeKey(job)}|${restriction.key}`;
    const known = simple ? this.#refusals.get(job.resources) : this.#memo.get(memoKey);
    if (known === undefined) {
      // A shape needing at least as much as one already refused fits nowhere: explain it without a search
      // (the explanation reads the nodes, so a shape that does fit somewhere still gets searched).
      const pruned = simple && this.#refusals.dominated(job.resources) ? this.#explainFull(job) : undefined;
      if (pruned !== undefined) {
        this.#refusals.set(job.resources, pruned);
        this.#waits(job, pruned, restriction);
        return false;
      }
      const fit = placeJob(this.#placer, job, restriction.allow, true);
      if (fit.placements !== undefined) {
        this.#commit(job, fit.placements);
        return true;
      }
      const reason = this.#explain(job, fit, restriction);
      if (simple) this.#refusals.set(job.resources, reason);
      else this.#memo.set(memoKey, reason);
      this.#waits(job, reason, restriction);
    } else {
      this.#waits(job, known, restriction);
    }
    return false;
  }

  result(): ScheduleResult {
    return {
      placements: this.#placements,
      unschedulable: this.#unschedulable,
      preemptions: this.#preemptions,
      reservations: [...this.#book.reservations],
    };
  }

  #commit(job: PendingJob, placements: Placement[]): void {
    this.#placements.push(...placements);
    if (job.expectedDurationMs !== undefined)
      this.#placedReleases.push({ id: job.id, placements, endAt: this.#now + job.expectedDurationMs });
  }

  /** The job does not fit now: preempt for it if it may, else reserve for it if it is the head. */
  #waits(job: PendingJob, reason: UnschedulableReason, restriction: Restriction): void {
    if (job.canPreempt === true && this.#preemptionSearches < MAX_PREEMPTION_SEARCHES) {
      const victims = this.#preempt(job, restriction);
      if (victims !== undefined) {
        this.#unschedulable.push({ jobId: job.id, reason: { kind: 'WaitingForPreemption', victims } });
        return;
      }
    }
    if (this.#backfill && !this.#headReserved && this.#reservationSearches < MAX_RESERVATION_SEARCHES) {
      this.#reservationSearches++;
      const reservation = findReservation(this.#working, job, this.#releases(), () =>
        this.#fit(job, restriction),
      );
      if (reservation !== undefined) {
        this.#book.add(reservation);
        this.#headReserved = true;
      }
    }
    this.#unschedulable.push({ jobId: job.id, reason });
  }

  /** Victims chosen for the job (and their nodes held for it this cycle), or undefined. */
  #preempt(job: PendingJob, restriction: Restriction): string[] | undefined {
    const key = `preempt|${shapeKey(job)}|${job.queuePriority ?? 0}|${job.priority}|${restriction.key}`;
    if (this.#fruitless.has(key)) return undefined;
    this.#preemptionSearches++;
    const candidates = (this.#snapshot.running ?? []).filter(
      (running) => running.preemptible === true && !this.#claimed.has(running.id) && outranks(job, running),
    );
    const choice = findPreemption({
      working: this.#working,
      candidates,
      gang: membersOf(job) > 1,
      place: (onNode) => {
        const allow = restriction.allow;
        if (onNode === undefined) return this.#fit(job, restriction);
        return placeJob(this.#placer, job, (node) => node.name === onNode && (allow?.(node) ?? true))
          .placements;
      },
    });
    if (choice === undefined) {
      this.#fruitless.add(key);
      return undefined;
    }
    for (const victim of choice.victims) {
      this.#claimed.add(victim.id);
      this.#preemptions.push({ jobId: victim.id, forJobId: job.id });
    }
    // Nothing else may take the room being made: the nodes are held for the job from now on.
    const nodes = [...new Set(choice.placements.map((p) => p.node))].sort();
    this.#book.add({ jobId: job.id, nodes, at: this.#now });
    return choice.victims.map((victim) => victim.id);
  }

  #fit(job: PendingJob, restriction: Restriction): Placement[] | undefined {
    return placeJob(this.#placer, job, restriction.allow).placements;
  }

  /** Running jobs (not being preempted) and this cycle's placements, by when they free capacity. */
  #releases(): Release[] {
    const running = (this.#snapshot.running ?? [])
      .filter((job) => !this.#claimed.has(job.id))
      .map((job) => ({ id: job.id, placements: job.placements, endAt: job.expectedEndAt }));
    return [...running, ...this.#placedReleases];
  }

  /** Why one task of the job fits no node at all; undefined when it fits one. */
  #explainFull(job: PendingJob): UnschedulableReason | undefined {
    return this.#working.explain(job.resources);
  }

  #explain(
    job: PendingJob,
    fit: { fitting: number; label?: string },
    restriction: Restriction,
  ): UnschedulableReason {
    const members = membersOf(job);
    if (members > 1 && fit.fitting > 0) {
      return { kind: 'GangDoesNotFit', members, fitting: fit.fitting, label: fit.label };
    }
    const reason = this.#explainFull(job);
    if (reason !== undefined) return reason;
    // A task fits some node, but not one it may use.
    if (restriction.blocking !== undefined) {
      return { kind: 'NodesReserved', forJobId: restriction.blocking.jobId, at: restriction.blocking.at };
    }
    if (members > 1) return { kind: 'GangDoesNotFit', members, fitting: fit.fitting, label: fit.label };
    // Only a disagreement between the node index and the filters could get here: a bug, so be loud.
    throw new Error(`job ${job.id} fits a node that the node index did not offer`);
  }
}

function shapeKey(job: PendingJob): string {
  const { gpus, gpuMilli, cpuMilli, memoryMiB } = job.resources;
  return JSON.stringify([
    gpus,
    gpuMilli,
    [...job.resources.gpuModel].sort(),
    cpuMilli,
    memoryMiB,
    membersOf(job),
    job.sameLabel ?? null,
  ]);
}
