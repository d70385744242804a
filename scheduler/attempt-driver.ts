// One job's life on the leader, from RUNNABLE to SUCCEEDED or FAILED: wait for the core to place it,
// record STARTING, run the attempt on the executor, record the outcome, retry while the strategy allows.
import { ATTEMPT_TIMEOUT_CODE, type AttemptRequest } from '../runner/protocol.ts';
import type { PendingJob, Placement } from './core/types.ts';
import type { AttemptHooks, AttemptOutcome, Executor } from './executors/executor.ts';
import { setLongTimeout } from './executors/long-timeout.ts';
import { makeRunnable } from './job-lifecycle.ts';
import type { Attempt, JobRecord, JobStatus } from './job-record.ts';
import type { LogFn } from './logging/logger.ts';
import { AttemptRows, type DriverMetrics, failureReason, waitStartedAt } from './metrics/job-metrics.ts';
import type { PlacementLoop } from './placement-loop.ts';
import type { QueueSettings } from './queue-settings.ts';
import { attemptsUsed, countsAsAttempt, decideRetry } from './retry/retry-decision.ts';
import { FencedError } from './store/errors.ts';
import type { JobStore } from './store/job-store.ts';

/** `requeue`: hand the job back to the queue untouched (shutdown); `done`: it reached a final state. */
export type DriveResult = 'done' | 'requeue';

export interface DriverDeps {
  store: JobStore;
  loop: PlacementLoop;
  executor: Executor;
  /** The leader's fencing token: scheduler writes carry it. */
  fence: () => string | undefined;
  now: () => number;
  /** Directory that relative paths in specs resolve against. */
  cwd: string;
  /** Where jobs may read and write (the compute environment's data roots); absent: `cwd` alone. */
  dataRoots?: readonly string[];
  isShuttingDown: () => boolean;
  queueSettings: (queue: string) => QueueSettings;
  /** [0, 1): the jitter of retry backoffs (Math.random when absent). */
  random?: () => number;
  /** Counters and histograms updated as attempts start and end (metrics/service-metrics.ts). */
  metrics?: DriverMetrics;
  /** Each state change the driver records, with the job's id, attempt, queue and node as fields. */
  log?: LogFn;
}

const ACTIVE: readonly JobStatus[] = ['STARTING', 'RUNNING'];
/** Attempts lost to their node (not the job's fault, so not counted as retries) before the job fails. */
const MAX_LOST_ATTEMPTS = 5;
const WAITING: readonly JobStatus[] = ['SUBMITTED', 'PENDING', 'RUNNABLE'];

export class AttemptDriver {
  private readonly deps: DriverDeps;
  private readonly rows: AttemptRows;
  /** Records this driver's transitions wrote (not found unchanged): only those are logged and counted. */
  private readonly written = new WeakSet<JobRecord>();

  constructor(deps: DriverDeps) {
    this.deps = deps;
    this.rows = new AttemptRows(deps.metrics);
  }

  /**
   * Drives the job until it is finished (`done`) or must go back to the queue (`requeue`, on shutdown).
   * Throws on storage errors (including FencedError); the capacity it held is released either way.
   */
  async drive(jobId: string): Promise<DriveResult> {
    try {
      return await this.driveAttempts(jobId);
    } finally {
      this.deps.loop.release(jobId); // idempotent: a no-op when nothing is held
    }
  }

  private async driveAttempts(jobId: string): Promise<DriveResult> {
    const found = await this.deps.store.get(jobId);
    let record = found;
    if (found && ACTIVE.includes(found.status)) {
      const adopted = await this.reattach(found);
      if (adopted === 'requeue') return 'requeue';
      record = adopted === 'none' ? await this.recover(jobId) : adopted;
    } else {
      record = await this.recover(jobId);
    }
    while (record && WAITING.includes(record.status)) {
      if (record.terminateRequested) return this.terminateWaiting(record);
      const wait = await this.deps.loop.waitForPlacement(pendingJob(record, this.deps.queueSettings), {
        notBefore: record.notBefore,
      });
      if (this.deps.isShuttingDown()) return 'requeue';
      if (wait.kind === 'dropped') {
        // Dropped by a cancel or terminate: a terminate that raced an attempt still has to end the job.
        const current = await this.deps.store.get(jobId);
        return current?.terminateRequested && WAITING.includes(current.status)
          ? this.terminateWaiting(current)
          : 'done';
      }
      const started = await this.start(record, wait.placement);
      if (!started) return 'done'; // cancelled (or changed) between placement and start
      record = started;
      const outcome: AttemptOutcome = record.terminateRequested
        ? { kind: 'interrupted', by: 'cancel', reason: record.terminateRequested.reason }
        : await this.runWithin(record, wait.placement);
      this.deps.loop.release(jobId);
      if (outcome.kind === 'detached') return 'requeue'; // it goes on; the next leader re-attaches
      const attempt = record.attempts.length;
      record = await this.settle(record, outcome);
      this.deps.executor.forget?.(jobId, attempt);
      if (outcome.kind === 'interrupted' && outcome.by === 'shutdown') return 'requeue';
    }
    return 'done';
  }

  /**
   * A job left STARTING or RUNNING by a previous leader whose attempt still exists on the executor (a pod
   * outlives its scheduler): hold its capacity again, wait for its end and record it, instead of starting
   * it twice. `none` when there is nothing to re-attach to (the attempt is then lost).
   */
  private async reattach(record: JobRecord): Promise<JobRecord | undefined | 'requeue' | 'none'> {
    const { executor, loop } = this.deps;
    const attempt = record.attempts.at(-1);
    if (!executor.reattach || !attempt || attempt.stoppedAt || (record.spec.nodes ?? 1) > 1) return 'none';
    const placement: Placement = {
      jobId: record.id,
      node: attempt.placement.node,
      gpuIndices: attempt.placement.gpuIndices,
      gpuMilliPerGpu: attempt.placement.gpuMilliPerGpu,
      cpuMilli: record.spec.resources.cpuMilli,
      memoryMiB: record.spec.resources.memoryMiB,
    };
    // Held before asking, so no cycle in between can give its capacity away.
    loop.adopt(pendingJob(record, this.deps.queueSettings), placement, attempt.startedAt);
    const running = executor.reattach(this.request(record, placement), placement, this.hooks(record));
    // A terminate asked before this leader took over (the executor keeps it until the attempt is attached).
    if (record.terminateRequested) executor.interrupt(record.id, 'cancel', record.terminateRequested.reason);
    const outcome = await running;
    loop.release(record.id);
    if (!outcome) return 'none';
    if (outcome.kind === 'detached') return 'requeue';
    const settled = await this.settle(record, outcome);
    executor.forget?.(record.id, attempt.number);
    if (outcome.kind === 'interrupted' && outcome.by === 'shutdown') return 'requeue';
    return settled;
  }

  /** A terminate that reached a job between attempts (it was STARTING or RUNNING when asked). */
  private async terminateWaiting(record: JobRecord): Promise<DriveResult> {
    const reason = `Terminated: ${record.terminateRequested?.reason ?? 'by request'}`;
    const failed = await this.transition(record.id, WAITING, 'FAILED', reason, (r) => {
      r.stoppedAt = this.deps.now();
      r.isTerminated = true;
      delete r.notBefore;
    });
    if (failed && this.written.has(failed))
      this.deps.metrics?.failed.inc({ queue: record.spec.queue, reason: 'TERMINATED' });
    return 'done';
  }

  /** Brings a record left mid-attempt by a previous leader back to RUNNABLE; the attempt is lost. */
  private async recover(jobId: string): Promise<JobRecord | undefined> {
    const record = await this.deps.store.get(jobId);
    if (record?.status === 'SUBMITTED' || record?.status === 'PENDING') {
      return makeRunnable(this.deps.store, jobId, this.deps.now);
    }
    if (!record || !ACTIVE.includes(record.status)) return record;
    const attempt = record.attempts.at(-1);
    const reason = `attempt ${attempt?.number ?? '?'} lost: the scheduler running it stopped; will run again`;
    return this.transition(jobId, ACTIVE, 'RUNNABLE', reason, (r) =>
      closeAttempt(r, this.deps.now(), 'lost', reason),
    );
  }

  private async start(record: JobRecord, placement: Placement): Promise<JobRecord | undefined> {
    const number = record.attempts.length + 1;
    const environment = this.deps.executor.environmentOf?.(placement.node);
    const gpus = placement.gpuIndices.length ? `GPU ${placement.gpuIndices.join(',')}` : 'no GPU';
    const started = await this.transition(
      record.id,
      ['RUNNABLE'],
      'STARTING',
      `attempt ${number} placed on ${placement.node} (${gpus})`,
      (r) => {
        r.startedAt ??= this.deps.now();
        delete r.notBefore;
        r.attempts.push({
          number,
          placement: {
            node: placement.node,
            gpuIndices: placement.gpuIndices,
            gpuMilliPerGpu: placement.gpuMilliPerGpu,
          },
          ...(environment ? { computeEnvironment: environment } : {}),
          startedAt: this.deps.now(),
        });
      },
    );
    // The write applies only if the job was still RUNNABLE; otherwise it was cancelled meanwhile.
    if (started?.status !== 'STARTING' || started.attempts.length !== number) return undefined;
    const waited = (started.attempts[number - 1]!.startedAt - waitStartedAt(record)) / 1000;
    this.deps.metrics?.waitSeconds.observe({ queue: started.spec.queue }, Math.max(0, waited));
    return started;
  }

  /**
   * Runs the attempt, stopping it after the spec's timeoutSeconds whatever the executor does about it, so
   * every executor times out alike: the attempt then fails with TIMEOUT (never retried).
   */
  private async runWithin(record: JobRecord, placement: Placement): Promise<AttemptOutcome> {
    const seconds = record.spec.timeoutSeconds;
    const message = `attempt ran longer than timeoutSeconds (${seconds} s)`;
    let timedOut = false;
    const cancelTimer = setLongTimeout(() => {
      timedOut = true;
      this.deps.executor.interrupt(record.id, 'cancel', message);
    }, seconds * 1000);
    try {
      const outcome = await this.run(record, placement);
      if (timedOut && outcome.kind === 'interrupted' && outcome.by === 'cancel') {
        return { kind: 'failed', failure: { code: ATTEMPT_TIMEOUT_CODE, message, retryable: false } };
      }
      return outcome;
    } finally {
      cancelTimer();
    }
  }

  private run(record: JobRecord, placement: Placement): Promise<AttemptOutcome> {
    return this.deps.executor.run(this.request(record, placement), placement, this.hooks(record));
  }

  private request(record: JobRecord, placement: Placement): AttemptRequest {
    return {
      jobId: record.id,
      attempt: record.attempts.length,
      spec: record.spec,
      cwd: this.deps.cwd,
      ...(this.deps.dataRoots ? { dataRoots: [...this.deps.dataRoots] } : {}),
      gpuIndices: placement.gpuIndices,
      ...(record.arrayProperties?.index === undefined ? {} : { arrayIndex: record.arrayProperties.index }),
    };
  }

  private hooks(record: JobRecord): AttemptHooks {
    const number = record.attempts.length;
    return {
      onStarted: (backend) => {
        void this.transition(record.id, ['STARTING'], 'RUNNING', `attempt ${number} running`, (r) => {
          const attempt = r.attempts.at(-1);
          if (attempt && backend) attempt.backend = backend;
        }).catch(() => undefined); // the settle step records the outcome even if this write is lost
      },
      onProgress: (progress) => {
        this.rows.progress(record.id, record.spec.kind, progress.done);
        void this.deps.store
          .setProgress(record.id, { ...progress, at: this.deps.now() })
          .catch(() => undefined);
      },
    };
  }

  /** Records the attempt's outcome, and counts it (and the job's end, if it ended) in the metrics. */
  private async settle(record: JobRecord, outcome: AttemptOutcome): Promise<JobRecord | undefined> {
    let settled: JobRecord | undefined;
    try {
      settled = await this.recordOutcome(record, outcome);
    } catch (error) {
      this.rows.ended(record.id, record.spec.kind);
      throw error;
    }
    const metrics = this.deps.metrics;
    const attempt = settled?.attempts[record.attempts.length - 1];
    const ran = attempt ? ((attempt.stoppedAt ?? this.deps.now()) - attempt.startedAt) / 1000 : 0;
    const success = outcome.kind === 'succeeded' && settled !== undefined && this.written.has(settled);
    this.rows.ended(
      record.id,
      record.spec.kind,
      success ? { rows: outcome.result.rows, runSeconds: ran } : undefined,
    );
    // Counted once, by the write that recorded it (not when another writer had already ended the job).
    if (!metrics || !settled || !this.written.has(settled) || !attempt?.outcome) return settled;
    const queue = settled.spec.queue;
    metrics.attemptsEnded.inc({ queue, outcome: attempt.outcome });
    metrics.runSeconds.observe({ queue }, Math.max(0, ran));
    if (settled.status === 'SUCCEEDED') metrics.succeeded.inc({ queue });
    else if (settled.status === 'FAILED') metrics.failed.inc({ queue, reason: failureReason(outcome) });
    return settled;
  }

  private async recordOutcome(record: JobRecord, outcome: AttemptOutcome): Promise<JobRecord | undefined> {
    const now = this.deps.now();
    const number = record.attempts.length;
    switch (outcome.kind) {
      case 'succeeded': {
        const { result } = outcome;
        return this.transition(record.id, ACTIVE, 'SUCCEEDED', `attempt ${number} succeeded`, (r) => {
          const wrote = `wrote ${result.rows} rows to ${result.output}`;
          closeAttempt(r, now, 'succeeded', wrote, { backend: result.backend, exitCode: 0 });
          r.result = {
            backend: result.backend,
            output: result.output,
            rows: result.rows,
            details: result.details,
          };
          r.stoppedAt = now;
        });
      }
      case 'detached':
        return record; // nothing to record: the attempt goes on without this process
      case 'lost': {
        // Like a node termination: counted against retry.attempts only with retry.countInterruptions.
        const lost = record.attempts.filter((a) => a.outcome === 'lost').length + 1;
        const why = `attempt ${number} lost: ${outcome.code}: ${outcome.reason}`;
        const { retry } = record.spec;
        const used = attemptsUsed(retry, record.attempts.slice(record.retryBase ?? 0)) + 1;
        const counted = countsAsAttempt(retry, { outcome: 'lost', interruptedBy: 'terminated' });
        const extra = { interruptedBy: 'terminated' as const };
        if (lost < MAX_LOST_ATTEMPTS && !(counted && used >= retry.attempts))
          return this.transition(record.id, ACTIVE, 'RUNNABLE', `${why}; will run again`, (r) =>
            closeAttempt(r, now, 'lost', why, extra),
          );
        const final =
          counted && used >= retry.attempts
            ? `${why}; no attempts left (retry.countInterruptions: ${used} of ${retry.attempts} used)`
            : `${why} (${lost} attempts lost; giving up)`;
        return this.transition(record.id, ACTIVE, 'FAILED', final, (r) => {
          closeAttempt(r, now, 'lost', why, extra);
          r.stoppedAt = now;
        });
      }
      case 'interrupted': {
        if (outcome.by === 'cancel') {
          const reason = `Terminated: ${outcome.reason}`;
          return this.transition(record.id, ACTIVE, 'FAILED', reason, (r) => {
            closeAttempt(r, now, 'interrupted', reason, { interruptedBy: 'cancel' });
            r.stoppedAt = now;
            r.isTerminated = true;
          });
        }
        // Not the job's fault: back to RUNNABLE without using a retry; the next attempt resumes from the
        // checkpoint, if the runner saved one.
        const { checkpoint } = outcome;
        const resume = checkpoint
          ? `; checkpoint at row ${checkpoint.nextRow} of [${checkpoint.start}, ${checkpoint.end}), will resume there`
          : '; will run again';
        const extra = { interruptedBy: outcome.by, ...(checkpoint ? { checkpoint } : {}) };
        const ended = outcome.by === 'preempt' ? 'preempted' : 'interrupted';
        const stopped =
          outcome.by === 'preempt'
            ? `PREEMPTED: attempt ${number} stopped ${outcome.reason}`
            : `attempt ${number} interrupted (${outcome.reason})`;
        const { retry } = record.spec;
        // Only with retry.countInterruptions can an interruption use up the last attempt.
        const used = attemptsUsed(retry, record.attempts) + 1;
        if (countsAsAttempt(retry, { outcome: ended, interruptedBy: outcome.by }) && used >= retry.attempts) {
          const reason = `${stopped}; no attempts left (retry.countInterruptions: ${used} of ${retry.attempts} used)`;
          return this.transition(record.id, ACTIVE, 'FAILED', reason, (r) => {
            closeAttempt(r, now, ended, reason, { interruptedBy: outcome.by });
            r.stoppedAt = now;
          });
        }
        const reason = `${stopped}${resume}`;
        return this.transition(record.id, ACTIVE, 'RUNNABLE', reason, (r) =>
          closeAttempt(r, now, ended, reason, extra),
        );
      }
      case 'failed': {
        const { failure, exitCode } = outcome;
        // Attempts before a retry-failed request (array children) do not count against the strategy.
        const failed = attemptsUsed(record.spec.retry, record.attempts.slice(record.retryBase ?? 0)) + 1;
        const why = `attempt ${number} failed: ${failure.code}: ${failure.message}`;
        const decision = decideRetry(
          record.spec.retry,
          { failure, exitCode },
          failed,
          why,
          this.deps.random ?? Math.random,
        );
        const extra = { exitCode };
        if (decision.retry) {
          return this.transition(record.id, ACTIVE, 'RUNNABLE', decision.reason, (r) => {
            closeAttempt(r, now, 'failed', why, extra);
            // In the record, so a backoff survives a restart of the scheduler.
            if (decision.delayMs > 0) r.notBefore = now + decision.delayMs;
          });
        }
        return this.transition(record.id, ACTIVE, 'FAILED', decision.reason, (r) => {
          closeAttempt(r, now, 'failed', why, extra);
          r.stoppedAt = now;
        });
      }
    }
  }

  private transition(
    id: string,
    from: readonly JobStatus[],
    to: JobStatus,
    reason: string,
    patch?: (r: JobRecord) => void,
  ): Promise<JobRecord | undefined> {
    const fence = this.deps.fence();
    // Scheduler writes always carry a fencing token; without one they would not be checked at all.
    if (!fence) return Promise.reject(new FencedError());
    // The store returns the very record it patched when the change was applied, else the one it found.
    let patched: JobRecord | undefined;
    const marked = (r: JobRecord) => {
      patched = r;
      patch?.(r);
    };
    return this.deps.store.transition(id, { from, to, reason, patch: marked }, { fence }).then((record) => {
      if (record !== undefined && record === patched) {
        this.written.add(record);
        this.logChange(record, reason);
      }
      return record;
    });
  }

  private logChange(record: JobRecord, reason: string): void {
    const attempt = record.attempts.at(-1);
    this.deps.log?.(`job ${record.status}: ${reason}`, {
      level: record.status === 'FAILED' ? 'warn' : 'info',
      jobId: record.id,
      queue: record.spec.queue,
      status: record.status,
      ...(attempt ? { attempt: attempt.number, node: attempt.placement.node } : {}),
    });
  }
}

function closeAttempt(
  record: JobRecord,
  at: number,
  outcome: NonNullable<Attempt['outcome']>,
  reason: string,
  extra: Partial<Attempt> = {},
): void {
  const attempt = record.attempts.at(-1);
  if (!attempt || attempt.stoppedAt) return;
  Object.assign(attempt, { stoppedAt: at, outcome, reason }, withoutUndefined(extra));
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The job as the core sees it: its spec plus its queue's scheduling settings. */
export function pendingJob(record: JobRecord, queueSettings: (queue: string) => QueueSettings): PendingJob {
  const { spec } = record;
  const queue = queueSettings(spec.queue);
  return {
    id: record.id,
    queue: spec.queue,
    priority: spec.priority,
    submittedAt: record.createdAt,
    resources: spec.resources,
    queuePriority: queue.priority,
    share: spec.shareIdentifier ?? '',
    nodes: spec.nodes,
    ...(spec.sameLabel ? { sameLabel: spec.sameLabel } : {}),
    // The timeout bounds the attempt, so it is a safe expectation for backfill and estimates.
    expectedDurationMs: spec.timeoutSeconds * 1000,
    canPreempt: queue.canPreempt,
  };
}
