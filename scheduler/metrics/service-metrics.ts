// The Prometheus metrics of one service stack, on a registry of its own (not prom-client's global one:
// tests run several stacks in one process). Counters and histograms are updated where things happen
// (submit, placement cycle, attempt start and end); gauges are read at scrape time from the sources a
// role has (job counts from Redis in any role; GPUs, fair share and budgets only where the leader runs).
// docs/metrics.md lists every metric; names follow Prometheus conventions (gpubatch_ prefix, base units,
// _total counters, _seconds durations, low-cardinality labels: never a job id).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ComputeEnvironmentView } from '../../api/job-service.ts';
import { registerPoolGauges } from '../../api/metrics.ts';
import type { JobCount } from '../store/job-counts.ts';
import type { GpuUsage } from './gpu-usage.ts';

/** What the leader knows at scrape time; absent members are skipped (not leading: nothing to report). */
export interface SchedulerGaugeSource {
  isRunning: boolean;
  isLeader: boolean;
  gpuUsage(): GpuUsage[];
  fairShareUsage(): Readonly<Record<string, number>>;
  budgetUsage?(): Array<{ share: string; usedGpuHours: number; budgetGpuHours: number }>;
}

export interface ScrapeSources {
  /** Jobs per queue and status from the store's indexes. */
  jobCounts?: () => Promise<JobCount[]>;
  /** The compute environments with the leader's autoscaling numbers (published to Redis). */
  computeEnvironments?: () => Promise<ComputeEnvironmentView[]>;
  scheduler?: SchedulerGaugeSource;
}

/** Seconds: from a sub-second tiny job to a day-long run. */
const JOB_SECONDS_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600];
/** A cycle is milliseconds; tens of milliseconds with thousands of jobs waiting. */
const CYCLE_SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly submissions: Counter<'queue'>;
  readonly succeeded: Counter<'queue'>;
  readonly failed: Counter<'queue' | 'reason'>;
  readonly attemptsEnded: Counter<'queue' | 'outcome'>;
  readonly waitSeconds: Histogram<'queue'>;
  readonly runSeconds: Histogram<'queue'>;
  readonly cycleSeconds: Histogram;
  readonly runnerRows: Counter<'kind'>;
  readonly runnerRowsPerSecond: Histogram<'kind'>;
  /** A scrape-time source that failed (Redis unreachable): its gauges have no series in that scrape. */
  readonly sourceErrors: Counter<'source'>;
  private sources: ScrapeSources = {};
  /** The scrape-time reads under way in this scrape. */
  private reads: Promise<unknown>[] = [];
  /** One read of the job counts serves both gauges of a scrape. */
  private counts?: { at: number; read: Promise<JobCount[]> };
  /** Forgets the pool gauges' last read. */
  private readonly freshPools: () => void;

  constructor() {
    const registers = [this.registry];
    this.submissions = new Counter({
      name: 'gpubatch_job_submissions_total',
      help: 'Jobs accepted by the API (an idempotent repeat is not counted), by queue.',
      labelNames: ['queue'],
      registers,
    });
    this.succeeded = new Counter({
      name: 'gpubatch_jobs_succeeded_total',
      help: 'Jobs that reached SUCCEEDED, by queue.',
      labelNames: ['queue'],
      registers,
    });
    this.failed = new Counter({
      name: 'gpubatch_jobs_failed_total',
      help: 'Jobs that reached FAILED, by queue and reason code.',
      labelNames: ['queue', 'reason'],
      registers,
    });
    this.attemptsEnded = new Counter({
      name: 'gpubatch_attempts_ended_total',
      help: 'Job attempts that ended, by queue and outcome (succeeded, failed, lost, interrupted, preempted).',
      labelNames: ['queue', 'outcome'],
      registers,
    });
    this.waitSeconds = new Histogram({
      name: 'gpubatch_job_wait_seconds',
      help: 'Time from RUNNABLE to placement of each attempt, by queue.',
      labelNames: ['queue'],
      buckets: JOB_SECONDS_BUCKETS,
      registers,
    });
    this.runSeconds = new Histogram({
      name: 'gpubatch_attempt_run_seconds',
      help: 'Time from placement to the end of each attempt, by queue.',
      labelNames: ['queue'],
      buckets: JOB_SECONDS_BUCKETS,
      registers,
    });
    this.cycleSeconds = new Histogram({
      name: 'gpubatch_scheduling_cycle_seconds',
      help: 'Duration of one placement cycle of the leader (snapshot, core schedule(), applying its result).',
      buckets: CYCLE_SECONDS_BUCKETS,
      registers,
    });
    this.runnerRows = new Counter({
      name: 'gpubatch_runner_rows_total',
      help: 'Rows processed by runners as they report progress, by job kind (kernel, inference); rate() is rows/s.',
      labelNames: ['kind'],
      registers,
    });
    this.runnerRowsPerSecond = new Histogram({
      name: 'gpubatch_runner_rows_per_second',
      help: 'Throughput of each successful attempt (rows it processed over its run time), by job kind.',
      labelNames: ['kind'],
      buckets: [10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000],
      registers,
    });
    this.freshPools = this.scrapeGauges(registers);
    const metrics = this;
    // Registered after the gauges, so a scrape collects it once their reads are under way: it waits for
    // them and so reports a failure in the same scrape.
    this.sourceErrors = new Counter({
      name: 'gpubatch_metrics_source_errors_total',
      help: 'Scrapes in which a source of gauges failed (job_counts, compute_environments: Redis unreachable).',
      labelNames: ['source'],
      registers,
      async collect() {
        await Promise.all(metrics.reads);
      },
    });
  }

  /** The sources the scrape-time gauges read; a role sets what it has. */
  watch(sources: ScrapeSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition; every scrape-time source is read afresh. */
  text(): Promise<string> {
    this.counts = undefined;
    this.reads = [];
    this.freshPools();
    return this.registry.metrics();
  }

  private jobCounts(): Promise<JobCount[]> {
    const read = this.sources.jobCounts;
    if (!read) return Promise.resolve([]);
    const now = Date.now();
    if (!this.counts || now - this.counts.at > 1000)
      this.counts = { at: now, read: this.guarded('job_counts', read) };
    return this.counts.read;
  }

  /** A failed source leaves its gauges empty for the scrape (the others still answer) and is counted. */
  private guarded<T>(source: string, read: () => Promise<T[]>): Promise<T[]> {
    const guarded = Promise.resolve()
      .then(read)
      .catch(() => {
        this.sourceErrors.inc({ source });
        return [];
      });
    this.reads.push(guarded);
    return guarded;
  }

  /** Returns what forgets the pool gauges' last read. */
  private scrapeGauges(registers: Registry[]): () => void {
    const metrics = this;
    new Gauge({
      name: 'gpubatch_jobs',
      help: 'Jobs waiting or running now (SUBMITTED, PENDING, RUNNABLE, STARTING, RUNNING), by queue and state.',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const c of await metrics.jobCounts())
          if (c.queue !== undefined) this.set({ queue: c.queue, state: c.status }, c.count);
      },
    });
    new Gauge({
      name: 'gpubatch_jobs_stored',
      help: 'Jobs kept in the store, by state (all queues; finished ones until they are removed).',
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        for (const c of await metrics.jobCounts())
          if (c.queue === undefined) this.set({ state: c.status }, c.count);
      },
    });
    const leader = () => {
      const s = metrics.sources.scheduler;
      return s?.isLeader ? s : undefined;
    };
    new Gauge({
      name: 'gpubatch_scheduler_leader',
      help: '1 while this process is the scheduler leader.',
      registers,
      collect() {
        this.set(metrics.sources.scheduler?.isLeader ? 1 : 0);
      },
    });
    new Gauge({
      name: 'gpubatch_scheduler_running',
      help: '1 while this process leads or stands by for leadership.',
      registers,
      collect() {
        this.set(metrics.sources.scheduler?.isRunning ? 1 : 0);
      },
    });
    const gpuGauge = (name: string, help: string, value: (u: GpuUsage) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['pool', 'gpu_model'],
        registers,
        collect() {
          this.reset();
          for (const u of leader()?.gpuUsage() ?? [])
            this.set({ pool: u.pool, gpu_model: u.model }, value(u));
        },
      });
    gpuGauge('gpubatch_gpus', 'GPUs of the pool, by GPU model.', (u) => u.total);
    gpuGauge(
      'gpubatch_gpus_allocated',
      'GPUs held by running attempts (a share counts its fraction).',
      (u) => u.allocated,
    );
    gpuGauge(
      'gpubatch_gpus_free',
      'Free GPUs on schedulable nodes (fractions of shared GPUs included).',
      (u) => u.free,
    );
    gpuGauge(
      'gpubatch_gpus_fragmented',
      'Free GPUs the waiting jobs could not use where they are (expected, FGD measure); 0 when none wait.',
      (u) => u.fragmented,
    );
    new Gauge({
      name: 'gpubatch_fair_share_usage_seconds',
      help: 'Decayed usage per share identifier (dominant-share-seconds), as the leader orders shares by it.',
      labelNames: ['share'],
      registers,
      collect() {
        this.reset();
        for (const [share, usage] of Object.entries(leader()?.fairShareUsage() ?? {}))
          this.set({ share }, usage);
      },
    });
    const budget = (
      name: string,
      help: string,
      value: (u: { usedGpuHours: number; budgetGpuHours: number }) => number,
    ) =>
      new Gauge({
        name,
        help,
        labelNames: ['share'],
        registers,
        collect() {
          this.reset();
          for (const u of leader()?.budgetUsage?.() ?? []) this.set({ share: u.share }, value(u));
        },
      });
    budget(
      'gpubatch_budget_used_gpu_seconds',
      'GPU-seconds used in the rolling budget window, per budgeted share (GPU-hours x 3600).',
      (u) => u.usedGpuHours * 3600,
    );
    budget(
      'gpubatch_budget_gpu_seconds',
      'GPU-second budget of the rolling window, per budgeted share (the configured GPU-hours x 3600).',
      (u) => u.budgetGpuHours * 3600,
    );
    return registerPoolGauges(registers, () =>
      metrics.guarded(
        'compute_environments',
        async () => (await metrics.sources.computeEnvironments?.()) ?? [],
      ),
    );
  }
}
