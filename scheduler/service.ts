// The scheduler loop on the leader: one BullMQ worker per size lane of each job queue feeds the look-ahead
// window, the placement loop asks the pure core where jobs go, the attempt driver runs them on the executor.
import { DelayedError, type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { Alarm } from './alarm.ts';
import { AttemptDriver, type DriveResult } from './attempt-driver.ts';
import type { BudgetLimits, ShareBudgetUsage } from './budget-ledger.ts';
import { BUDGET_SAVE_INTERVAL_MS, BudgetTracker } from './budget-tracker.ts';
import { cappedNodesWanted, usableNodes } from './compute-environment-limits.ts';
import {
  nextBudgetRelease,
  type OverBudget,
  withoutOverBudget,
  workloadOf,
  workloadOfRunning,
} from './core/index.ts';
import type { NodeState, Snapshot } from './core/types.ts';
import { Dependencies } from './dependencies.ts';
import { COMPUTE_ENVIRONMENT_LABEL, type EnvironmentExecutors } from './executors/environment-executors.ts';
import type { Executor } from './executors/executor.ts';
import { FairShareTracker } from './fair-share-tracker.ts';
import type { Lane } from './lanes.ts';
import { type Elector, type ElectorHooks, LeaderElection } from './leader.ts';
import type { LogFn } from './logging/logger.ts';
import { type GpuUsage, gpuUsage } from './metrics/gpu-usage.ts';
import type { SchedulerGaugeSource, ServiceMetrics } from './metrics/service-metrics.ts';
import { removeOrphans } from './orphans.ts';
import { PeriodicTasks } from './periodic.ts';
import { PlacementLoop } from './placement-loop.ts';
import { DEFAULT_QUEUE_SETTINGS, type QueueSettings, queueEnvironmentsOf } from './queue-settings.ts';
import { recoverDependencies, recoverQueuedJobs } from './recovery.ts';
import { sweepExpiredJobs } from './retention-sweep.ts';
import { sweepRunnableTimeLimits } from './runnable-time-limit.ts';
import { computeScaleSignal, type ScaleSignal } from './scale-signal.ts';
import { parseCancel, publishCancel } from './store/cancel-channel.ts';
import type { ComputeEnvironmentSettingsStore } from './store/compute-environment-settings.ts';
import type { JobQueues } from './store/job-queues.ts';
import type { JobStore } from './store/job-store.ts';
import { BULL_PREFIX, type Keys } from './store/keys.ts';
import type { QueueRegistry } from './store/queue-registry.ts';
import { connect } from './store/redis.ts';
import { WaitEstimates } from './wait-estimates.ts';

/** One slot beyond the window, so BullMQ's fetch loop waits on Redis, not on a running job. */
const SPARE_SLOTS = 1;

export interface SchedulerServiceOptions {
  redisUrl: string;
  store: JobStore;
  queues: JobQueues;
  executor: Executor;
  cwd: string;
  /** The compute environment's data roots, passed to every attempt (the runner enforces them). */
  dataRoots?: readonly string[];
  scorer?: string;
  windowPerQueue?: number;
  now?: () => number;
  /** Service messages; those about a job carry its fields (jobId, attempt, queue, node). */
  log?: LogFn;
  /** The stack's metrics: the loop and driver update them, and the leader's gauges are read from here. */
  metrics?: ServiceMetrics;
  leaderTtlMs?: number;
  /** Builds the leader election on the leader's own Redis connection; default: the Redis lock alone. */
  makeElector?: (redis: Redis, keys: Keys, hooks: ElectorHooks) => Elector;
  /** BullMQ lock on a job being driven; a crashed scheduler's jobs are redelivered once it lapses. */
  attemptLockMs?: number;
  /** Per-queue scheduling settings (priority, preemption); defaults when absent. */
  queueSettings?: (queue: string) => QueueSettings;
  /** Weighted fairness between shareIdentifiers; equal weights and a 1 h half-life when absent. */
  fairShare?: { weights: Record<string, number>; halfLifeMs: number };
  /** GPU-hour budgets per shareIdentifier (`*`: each share without its own); none when absent. */
  budgets?: BudgetLimits;
  /** How often the leader saves budget usage to Redis (default BUDGET_SAVE_INTERVAL_MS, 10 s). */
  budgetSaveIntervalMs?: number;
  /** How often jobs without a queue entry are re-enqueued and orphaned attempts removed (default 30 s). */
  reconcileIntervalMs?: number;
  /** The compute environment this scheduler's executor serves (for the autoscaling signal); default 'local'. */
  computeEnvironment?: string;
  /**
   * Several compute environments behind `executor` (the same object): jobs go to their queue's
   * environments in order (placement-loop.ts), and the GPU gauges and autoscaling signal are per
   * environment. Without it `executor` is the one environment `computeEnvironment`.
   */
  environments?: EnvironmentExecutors;
  /** How often the autoscaling signal is computed and published (default 5 s). */
  scaleSignalIntervalMs?: number;
  /** How often waiting jobs' estimated starts are recomputed (they simulate the queue forward). */
  estimateIntervalMs?: number;
  /** How often the leader publishes its executor's nodes for API processes' fit checks (default 10 s). */
  nodeInventoryIntervalMs?: number;
  /** Leadership was lost and the service is stopping (`up --role scheduler` then exits to restart as a standby). */
  onSteppedDown?: () => void;
  /** How often RUNNABLE jobs are checked against their queue's maxRunnableSeconds (default 10 s). */
  runnableSweepMs?: number;
  /** [0, 1) for retry backoff jitter; Math.random when absent. */
  random?: () => number;
  /**
   * Job queues managed at run time: the leader polls it and starts workers for new queues' lanes; queue
   * settings changes reach the next cycle. Without it the queues are fixed at start.
   */
  queueRegistry?: QueueRegistry;
  /** How often the leader looks for queues created or changed by other processes (default 1 s). */
  queueRefreshMs?: number;
  /**
   * The compute environment's run-time settings: DISABLED places nothing new, maxNodes limits the nodes
   * placed on and the autoscaling signal. Polled like the queues. Without it every node is used.
   */
  environmentSettings?: ComputeEnvironmentSettingsStore;
  /** Finished-job retention (default: 7 days, swept every 60 s in batches of 500). */
  retention?: RetentionSettings;
}

export interface RetentionSettings {
  finishedJobMs: number;
  sweepIntervalMs: number;
  batchSize: number;
}

export const DEFAULT_RETENTION: RetentionSettings = {
  finishedJobMs: 7 * 24 * 3_600_000,
  sweepIntervalMs: 60_000,
  batchSize: 500,
};

export class SchedulerService {
  private readonly options: SchedulerServiceOptions;
  private readonly now: () => number;
  private readonly loop: PlacementLoop;
  private readonly driver: AttemptDriver;
  private readonly leader: Elector;
  private readonly leaderRedis: Redis;
  private subscriber?: Redis;
  private workers: Worker[] = [];
  /** The worker of each lane of each job queue. */
  private readonly workersByQueue = new Map<string, Map<Lane, Worker>>();
  private workerConnections: Redis[] = [];
  private shuttingDown = false;
  /** The leader's background work (reconcile, sweeps, saves, publishing); stopped when leading ends. */
  private readonly periodic = new PeriodicTasks((error) =>
    this.options.log?.(`background task failed: ${error.stack ?? error.message}`, { level: 'error' }),
  );
  /** The latest autoscaling signal this leader computed. */
  scaleSignal?: ScaleSignal;
  private started?: Promise<void>;
  /** Workers run: this process is leading, not just holding the lock. */
  private leading = false;
  /** Jobs being driven here: a redelivery of one (its BullMQ lock lapsed) must not drive it twice. */
  private readonly driving = new Map<string, Promise<DriveResult>>();
  private readonly abort = new AbortController();
  private readonly fairShare: FairShareTracker;
  private readonly budgets: BudgetTracker;
  /** A cycle due when the first share over budget is back under (nothing else may wake the loop then). */
  private readonly budgetWake = new Alarm(() => this.loop.requestCycle());
  /** Dependents and array children to move on once a job finishes. */
  private readonly dependencies: Dependencies;

  constructor(options: SchedulerServiceOptions) {
    this.options = options;
    const now = options.now ?? Date.now;
    this.now = now;
    const queueSettings = options.queueSettings ?? (() => DEFAULT_QUEUE_SETTINGS);
    const fairShare = new FairShareTracker({
      ...(options.fairShare ?? { weights: {}, halfLifeMs: 3_600_000 }),
      // Queues with their own fair-share policy, as they are now (changed over the API at run time).
      queuePolicies: () => options.queueRegistry?.fairSharePolicies() ?? {},
    });
    this.fairShare = fairShare;
    const budgets = new BudgetTracker(options.budgets ?? {});
    this.budgets = budgets;
    const estimates = new WaitEstimates(options.store, { now, intervalMs: options.estimateIntervalMs });
    this.loop = new PlacementLoop({
      nodes: () => this.environmentNodes().flatMap((environment) => environment.usable),
      ...(options.environments
        ? {
            environments: () =>
              this.environmentNodes().map(({ name, scorer, usable }) => ({ name, scorer, nodes: usable })),
            environmentsOf: (queue: string) =>
              queueEnvironmentsOf(queueSettings(queue), this.firstEnvironment),
          }
        : {}),
      now,
      scorer: options.scorer,
      queueSettings,
      cycleOptions: (snapshot) => {
        const state = fairShare.advance(snapshot);
        const due = fairShare.saveDue(snapshot.now ?? now());
        const fence = this.leader.fence;
        if (due && fence !== undefined)
          void options.store
            .saveFairShareUsage(due, fence)
            .catch((error: Error) =>
              options.log?.(`could not save fair-share usage: ${error.message}`, { level: 'warn' }),
            );
        if (!budgets.configured) return { fairShare: state };
        return { fairShare: state, overBudget: this.chargeBudgets(snapshot, now) };
      },
      onReleased: (job, at) => budgets.released(job, at),
      // A running job keeps its BullMQ delivery (and so a worker slot) until it ends: widen the worker by
      // the jobs running so the look-ahead window of waiting jobs stays windowPerQueue, not less. BullMQ
      // reads the new value when its fetch loop next wakes, which the spare slot keeps happening.
      onRunningChange: (queue, runningByLane) => {
        for (const [lane, worker] of this.workersByQueue.get(queue) ?? [])
          worker.concurrency = this.window + (runningByLane.get(lane) ?? 0) + SPARE_SLOTS;
      },
      onCycle: (snapshot, waiting, cycleOptions) => estimates.afterCycle(snapshot, waiting, cycleOptions),
      onPreempt: (jobId, forJobId) => {
        const queue = this.loop.allocations.queueOf(jobId);
        options.log?.(`preempting job ${jobId} for job ${forJobId}`, { jobId, ...(queue ? { queue } : {}) });
        options.executor.interrupt(jobId, 'preempt', `to make room for higher-priority job ${forJobId}`);
      },
      log: options.log,
      cycleSeconds: options.metrics?.cycleSeconds,
      onUnschedulable: (jobId, reason) => {
        void options.store
          .update(jobId, (r) => {
            if (r.status !== 'RUNNABLE' || r.statusReason === reason) return undefined;
            r.statusReason = reason; // a reason refresh, not a transition: no event
            return r;
          })
          .catch(() => undefined);
      },
    });
    // A queue created or changed (priority, cap, state): new queues get workers, waiting jobs a new look.
    options.queueRegistry?.onChange(() => {
      if (!this.leading || this.shuttingDown) return;
      this.startLaneWorkers();
      this.loop.requestCycle();
    });
    options.environmentSettings?.onChange(() => {
      if (this.leading && !this.shuttingDown) this.loop.requestCycle();
    });
    // Nodes joining, leaving or recovering change what fits: look at the waiting jobs again.
    options.executor.onCapacityChange?.(() => this.loop.requestCycle());
    this.leaderRedis = connect(options.redisUrl, { name: 'gpubatch-leader' });
    const hooks: ElectorHooks = {
      log: options.log,
      onLost: () => {
        options.log?.('stepping down: another scheduler took over');
        void this.stop().then(() => options.onSteppedDown?.());
      },
    };
    this.leader = options.makeElector
      ? options.makeElector(this.leaderRedis, options.store.keys, hooks)
      : new LeaderElection(this.leaderRedis, options.store.keys, { ttlMs: options.leaderTtlMs, ...hooks });
    this.dependencies = new Dependencies({
      store: options.store,
      queues: options.queues,
      now,
      publishCancel: (jobId, reason) => publishCancel(this.leaderRedis, options.store.keys, jobId, reason),
    });
    this.driver = new AttemptDriver({
      store: options.store,
      loop: this.loop,
      executor: options.executor,
      fence: () => this.leader.fence,
      now,
      cwd: options.cwd,
      dataRoots: options.dataRoots,
      isShuttingDown: () => this.shuttingDown,
      queueSettings,
      random: options.random,
      metrics: options.metrics,
      log: options.log,
    });
    options.metrics?.watch({ scheduler: this.gaugeSource() });
  }

  /** What the metrics read at scrape time; GPU, fair-share and budget gauges only while leading. */
  private gaugeSource(): SchedulerGaugeSource {
    const service = this;
    return {
      get isRunning() {
        return service.isRunning;
      },
      get isLeader() {
        return service.isLeader;
      },
      gpuUsage: () => service.gpuUsage(),
      fairShareUsage: () => service.fairShareUsage,
      ...(service.budgets.configured ? { budgetUsage: () => service.budgetUsage() } : {}),
    };
  }

  /** The first compute environment served (queues without an order of their own feed it). */
  private get firstEnvironment(): string {
    return this.options.environments?.environments()[0]?.name ?? this.options.computeEnvironment ?? 'local';
  }

  /**
   * Each compute environment with all its nodes and those its run-time settings leave usable (DISABLED:
   * none; maxNodes: the first by name). One environment when the scheduler serves one executor.
   */
  private environmentNodes(): Array<{
    name: string;
    scorer?: string;
    all: NodeState[];
    usable: NodeState[];
  }> {
    const { environments, executor } = this.options;
    if (!environments) {
      const all = executor.nodes();
      return [
        {
          name: this.firstEnvironment,
          scorer: this.options.scorer,
          all,
          usable: usableNodes(all, this.environmentSettings()),
        },
      ];
    }
    const nodes = environments.nodes();
    return environments.environments().map(({ name, scorer }) => {
      const all = nodes.filter((node) => node.labels[COMPUTE_ENVIRONMENT_LABEL] === name);
      return { name, scorer, all, usable: usableNodes(all, this.environmentSettings(name)) };
    });
  }

  /** GPUs per model of each pool: total, held, free, fragmented for the waiting jobs. */
  gpuUsage(): GpuUsage[] {
    const snapshot = this.loop.currentSnapshot();
    const pending = this.loop.pendingJobs();
    const workload =
      pending.length > 0
        ? workloadOf(pending.map((job) => job.resources))
        : workloadOfRunning(snapshot.running ?? []);
    return this.environmentNodes().flatMap(({ name, all }) => {
      const names = new Set(all.map((node) => node.name));
      return gpuUsage(
        name,
        all,
        snapshot.nodes.filter((node) => names.has(node.name)),
        workload,
      );
    });
  }

  /** Charges running work to the budgets and wakes the loop when the first share over budget frees. */
  private chargeBudgets(snapshot: Snapshot, now: () => number): OverBudget {
    const at = snapshot.now ?? now();
    const overBudget = this.budgets.advance(snapshot.running ?? [], at);
    const next = nextBudgetRelease(overBudget, at);
    if (Number.isFinite(next)) this.budgetWake.fireBy(next, at);
    return overBudget;
  }

  /** Waiting jobs per queue and size lane the scheduler looks ahead at. */
  private get window(): number {
    return this.options.windowPerQueue ?? 256;
  }

  get isLeader(): boolean {
    return this.leading && this.leader.isHolding && !this.shuttingDown;
  }

  /** Becomes leader (waiting for it if another scheduler leads), recovers, then starts the workers. */
  start(): Promise<void> {
    this.started ??= this.run();
    return this.started;
  }

  /** Campaigns until leading; a failure right after taking the lock gives it back and tries again. */
  private async run(): Promise<void> {
    for (let failures = 0; !this.shuttingDown; failures++) {
      try {
        await this.leader.acquire(this.abort.signal);
      } catch (error) {
        if (this.shuttingDown) return;
        throw error;
      }
      try {
        await this.lead();
        return;
      } catch (error) {
        this.options.log?.(`could not start leading: ${(error as Error).message}; retrying`, {
          level: 'warn',
        });
        this.periodic.stopAll(); // those this attempt started: the next one starts its own
        this.subscriber?.disconnect();
        this.subscriber = undefined;
        await this.leader.release();
        await new Promise((r) => setTimeout(r, Math.min(30_000, 500 * 2 ** failures)));
      }
    }
  }

  private async lead(): Promise<void> {
    await this.options.queueRegistry?.refresh(); // queues created while another scheduler led
    await this.options.environmentSettings?.refresh();
    await this.listenForCancels();
    const saved = await this.options.store.loadFairShareUsage();
    if (saved) this.fairShare.restore(saved, this.now());
    if (this.budgets.configured) {
      const budgetUsage = await this.options.store.loadBudgetUsage();
      if (budgetUsage) this.budgets.restore(budgetUsage);
      // On a timer, not per cycle: cycles run only while jobs wait, and usage grows while jobs run.
      this.periodic.every(this.options.budgetSaveIntervalMs ?? BUDGET_SAVE_INTERVAL_MS, () =>
        this.saveBudgets(),
      );
    }
    await this.reconcile();
    if (this.shuttingDown) return;
    // A failed pass is only logged: the next one retries.
    this.periodic.every(this.options.reconcileIntervalMs ?? 30_000, () =>
      this.reconcile().catch((error: Error) =>
        this.options.log?.(`reconcile: ${error.message}`, { level: 'warn' }),
      ),
    );
    this.periodic.every(this.options.scaleSignalIntervalMs ?? 5000, () => this.publishScaleSignal());
    this.startRunnableSweep();
    this.startRetentionSweep();
    // In the background: on a large Redis written by an older version it reads every job once.
    void this.options.store
      .migrateIndexesOnce()
      .then((jobs) => {
        if (jobs > 0)
          this.options.log?.(`re-indexed ${jobs} job(s) by creation time for listing and retention`);
      })
      .catch((error: Error) => this.options.log?.(`index migration: ${error.message}`));
    this.startLaneWorkers();
    // Polled for changes made over the API of another process (their onChange wakes the loop).
    const { queueRegistry, environmentSettings, queueRefreshMs = 1000 } = this.options;
    if (queueRegistry)
      this.periodic.every(queueRefreshMs, () =>
        queueRegistry
          .refresh()
          .catch((error: Error) => this.options.log?.(`could not read the job queues: ${error.message}`)),
      );
    if (environmentSettings)
      this.periodic.every(queueRefreshMs, () =>
        environmentSettings
          .refresh()
          .catch((error: Error) =>
            this.options.log?.(`could not read the compute environment settings: ${error.message}`),
          ),
      );
    this.leading = true;
    this.options.log?.(`scheduler is leader (fence ${this.leader.fence})`);
    this.publishNodes();
    this.periodic.every(this.options.nodeInventoryIntervalMs ?? 10_000, () => this.publishNodes());
  }

  /** Queued jobs and dependencies the store has but BullMQ or the outbox lost, and orphaned attempts. */
  private async reconcile(): Promise<void> {
    await recoverQueuedJobs(this.options.store, this.options.queues, this.options.log);
    await recoverDependencies(this.options.store, this.options.queues, this.dependencies, this.options.log);
    await removeOrphans(this.options.store, this.options.executor, this.options.log);
  }

  /** A worker for each lane that has none yet (all at start; a new queue's when it appears). */
  private startLaneWorkers(): void {
    for (const { bullName, jobQueue, lane } of this.options.queues.lanes()) {
      if (this.workersByQueue.get(jobQueue)?.has(lane)) continue;
      const worker = this.worker(bullName);
      this.workers.push(worker);
      const lanes = this.workersByQueue.get(jobQueue) ?? new Map<Lane, Worker>();
      lanes.set(lane, worker);
      this.workersByQueue.set(jobQueue, lanes);
    }
  }

  /** API processes of role api check at submit whether a job could ever fit; they read these nodes. */
  private publishNodes(): void {
    const fence = this.leader.fence;
    if (!this.isLeader || fence === undefined) return;
    void this.options.store
      .saveNodeInventory(this.options.executor.nodes(), fence)
      .catch((error: Error) =>
        this.options.log?.(`could not publish the node inventory: ${error.message}`, { level: 'warn' }),
      );
  }

  /** Started and not stopped: leading, or standing by for leadership. */
  get isRunning(): boolean {
    return this.started !== undefined && !this.shuttingDown;
  }

  /** Sweeps only while some queue has a maxRunnableSeconds (a limit may be set at run time): it reads every RUNNABLE record. */
  private startRunnableSweep(): void {
    const { queues, queueSettings, store } = this.options;
    if (!queueSettings) return;
    const limited = () => queues.names().some((q) => queueSettings(q).maxRunnableSeconds !== undefined);
    this.periodic.every(this.options.runnableSweepMs ?? 10_000, () => {
      if (!limited()) return;
      return sweepRunnableTimeLimits({
        store,
        queueSettings,
        now: this.now,
        fence: () => (this.isLeader ? this.leader.fence : undefined),
        onCancelled: (jobId, reason) => {
          this.options.log?.(`job ${jobId}: ${reason}`, { jobId });
          this.loop.drop(jobId, reason);
        },
      }).catch((error: Error) =>
        this.options.log?.(`RUNNABLE time-limit sweep: ${error.message}`, { level: 'warn' }),
      );
    });
  }

  /** Deletes finished jobs past their retention, in batches, while leading (docs/api.md#retention). */
  private startRetentionSweep(): void {
    const retention = this.options.retention ?? DEFAULT_RETENTION;
    // A long backlog (first start after an outage) is not swept twice at once: every() waits for a pass.
    this.periodic.every(retention.sweepIntervalMs, () =>
      sweepExpiredJobs({
        store: this.options.store,
        now: this.now,
        retentionMs: retention.finishedJobMs,
        batchSize: retention.batchSize,
        shouldContinue: () => this.isLeader,
      })
        .then((expired) => {
          if (expired > 0) this.options.log?.(`retention: deleted ${expired} finished job(s)`);
        })
        .catch((error: Error) => this.options.log?.(`retention sweep: ${error.message}`)),
    );
  }

  /** One BullMQ delivery: drive the job; hand it back to the queue on shutdown or a storage error. */
  private async process(job: Job, token: string | undefined): Promise<void> {
    const jobId = job.data.jobId as string;
    const running = this.driving.get(jobId);
    if (running) {
      await running; // a redelivery while we still drive it: let the first delivery finish the job
      return;
    }
    const drive = this.driver.drive(jobId);
    this.driving.set(jobId, drive);
    let result: DriveResult;
    try {
      result = await drive;
    } catch (error) {
      // Not the job's fault (Redis unavailable, or this scheduler was deposed): back to the queue, so
      // the leader of the moment runs it; the record says where it stood.
      this.options.log?.(`job ${jobId}: ${(error as Error).message}; returning it to the queue`, {
        level: 'warn',
        jobId,
      });
      await job.moveToDelayed(Date.now() + 1000, token);
      throw new DelayedError();
    } finally {
      this.driving.delete(jobId);
    }
    if (result === 'requeue') {
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
    // A finished job may let dependents run, fail them, or free a slot of its array.
    await this.dependencies
      .drain()
      .catch((error: Error) =>
        this.options.log?.(`dependencies after job ${jobId}: ${error.message}`, { level: 'warn', jobId }),
      );
  }

  private worker(queueName: string): Worker {
    const connection = connect(this.options.redisUrl, {
      forWorkers: true,
      name: `gpubatch-worker-${queueName}`,
    });
    this.workerConnections.push(connection);
    const worker = new Worker(queueName, (job, token) => this.process(job, token), {
      connection,
      prefix: BULL_PREFIX,
      concurrency: this.window + SPARE_SLOTS,
      // A long attempt keeps its BullMQ lock renewed; if this process dies the job is stalled and
      // redelivered, and the driver's recovery turns the lost attempt back into RUNNABLE.
      maxStalledCount: 1_000_000,
      lockDuration: this.options.attemptLockMs ?? 30_000,
      stalledInterval: this.options.attemptLockMs ?? 30_000,
      autorun: true,
    });
    worker.on('error', (error) =>
      this.options.log?.(`worker ${queueName}: ${error.message}`, { level: 'error' }),
    );
    return worker;
  }

  private async listenForCancels(): Promise<void> {
    const subscriber = connect(this.options.redisUrl, { forWorkers: true, name: 'gpubatch-cancel' });
    this.subscriber = subscriber;
    await subscriber.subscribe(this.options.store.keys.cancelChannel);
    subscriber.on('message', (_channel, message: string) => {
      const cancel = parseCancel(message);
      if (!cancel) return;
      this.loop.drop(cancel.jobId, `cancelled: ${cancel.reason}`);
      this.options.executor.interrupt(cancel.jobId, 'cancel', cancel.reason);
    });
  }

  /** Saves the budget ledger (running jobs charged up to now) under this leader's fence. */
  private async saveBudgets(): Promise<void> {
    const fence = this.leader.fence;
    if (!this.leader.isHolding || fence === undefined) return;
    this.chargeRunning(this.now());
    await this.options.store
      .saveBudgetUsage(this.budgets.toSave(), fence)
      .catch((error: Error) =>
        this.options.log?.(`could not save budget usage: ${error.message}`, { level: 'warn' }),
      );
  }

  /** GPU-hour budget usage per budgeted share, with the running jobs charged up to now. */
  budgetUsage(): ShareBudgetUsage[] {
    const now = this.now();
    this.chargeRunning(now);
    return this.budgets.usage(now);
  }

  /** Charges the running jobs to their budgets up to `now`; returns the shares over budget. */
  private chargeRunning(now: number): OverBudget {
    return this.budgets.advance(this.loop.allocations.snapshot([], now).running ?? [], now);
  }

  /**
   * Computes, per compute environment, how many more nodes would let the waiting jobs run, and publishes
   * it (advisory data); returns the first environment's. Each counts the jobs whose queue feeds it first.
   */
  publishScaleSignal(): ScaleSignal {
    const now = this.now();
    const snapshot = this.loop.currentSnapshot();
    // Jobs of a share over its GPU-hour budget would not start on new nodes either: they ask for none.
    const pending = this.budgets.configured
      ? withoutOverBudget(this.loop.pendingJobs(), this.budgets.advance(snapshot.running ?? [], now), now)
          .offered
      : this.loop.pendingJobs();
    const queueSettings = this.options.queueSettings ?? (() => DEFAULT_QUEUE_SETTINGS);
    const signals = this.environmentNodes().map(({ name, scorer, all }) => {
      const names = new Set(all.map((node) => node.name));
      const own = this.options.environments
        ? pending.filter(
            (job) => queueEnvironmentsOf(queueSettings(job.queue), this.firstEnvironment)[0] === name,
          )
        : pending;
      const computed = computeScaleSignal(
        name,
        all,
        { ...snapshot, nodes: snapshot.nodes.filter((node) => names.has(node.name)) },
        own,
        { scorer: scorer ?? this.options.scorer, now },
      );
      // maxNodes caps the pool: never ask the autoscaler for more (nor anything while DISABLED).
      const nodesWanted = cappedNodesWanted(computed.nodesWanted, all.length, this.environmentSettings(name));
      const signal = { ...computed, nodesWanted };
      void this.options.store.setScaleSignal(signal).catch(() => undefined); // published again shortly
      return signal;
    });
    this.scaleSignal = signals[0]!;
    return this.scaleSignal;
  }

  /** The run-time settings of a compute environment this scheduler serves, from the local copy. */
  private environmentSettings(name = this.firstEnvironment) {
    return this.options.environmentSettings?.current(name);
  }

  /** Decayed fair-share usage per share, as this leader holds it. */
  get fairShareUsage(): Readonly<Record<string, number>> {
    return this.fairShare.current();
  }

  /** Graceful stop: running attempts are interrupted and handed back to the queue, not lost or failed. */
  async stop(): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.abort.abort();
    this.periodic.stopAll();
    this.budgetWake.cancel();
    const closing = Promise.all(this.workers.map((worker) => worker.close()));
    this.loop.close('service is shutting down');
    // A graceful hand-over keeps the fair-share history up to the last cycle.
    const fence = this.leader.fence;
    if (this.leading && this.leader.isHolding && fence !== undefined)
      await this.options.store
        .saveFairShareUsage(this.fairShare.toSave(this.now()), fence)
        .catch(() => undefined); // deposed meanwhile (FENCED) or Redis gone: the next leader starts from older usage
    // As above: if this fails, the next leader continues from the last periodic save.
    if (this.leading && this.budgets.configured) await this.saveBudgets();
    await this.options.executor.close();
    await closing;
    await this.leader.release();
    this.subscriber?.disconnect();
    for (const connection of this.workerConnections) connection.disconnect();
    this.leaderRedis.disconnect();
  }
}
