// The JobService the API calls, backed by the Redis job store and the BullMQ queues.
import type { Redis } from 'ioredis';
import { ConflictError, type FieldProblem, UnprocessableJobError, ValidationError } from '../api/errors.ts';
import { DEFAULT_MAX_PARAMS_BYTES, paramsSizeProblem } from '../api/hardening/params-size.ts';
import type {
  ComputeEnvironmentView,
  JobPage,
  JobService,
  ListJobsQuery,
  SubmitOrigin,
  SubmitOutcome,
} from '../api/job-service.ts';
import type { JobSpec } from '../api/schemas/job-spec.ts';
import { QueuedJobLimitError, QueueNotAllowedError } from '../api/tenancy/errors.ts';
import { mayUseQueue, type TenantRegistry, type TenantSettings } from '../api/tenant-registry.ts';
import { dataRootProblems, deepestRealPath, isWrittenPath, type RealPaths } from '../runner/data-roots.ts';
import { preflight } from '../runner/preflight.ts';
import { childSpec } from './array-children.ts';
import { retryFailedChildren } from './array-retry.ts';
import { type QueueDefinition, queueEnvironments } from './config.ts';
import { describeReason, distinctEmptyShapes, neverFits } from './core/index.ts';
import type { NodeState } from './core/types.ts';
import { Dependencies } from './dependencies.ts';
import { runnableAtCreation } from './job-lifecycle.ts';
import { type JobRecord, TERMINAL_STATUSES } from './job-record.ts';
import type { LogFn } from './logging/logger.ts';
import type { ServiceMetrics } from './metrics/service-metrics.ts';
import { RealPathCache } from './real-path-cache.ts';
import { publishCancel } from './store/cancel-channel.ts';
import type { ComputeEnvironmentSettingsStore } from './store/compute-environment-settings.ts';
import type { CreateOrigin } from './store/dependency-store.ts';
import { DependencySizeError, TenantQueuedLimitError, UnknownDependencyError } from './store/errors.ts';
import type { JobPosition } from './store/job-index.ts';
import type { JobQueues } from './store/job-queues.ts';
import type { JobStore } from './store/job-store.ts';
import type { QueueRegistry } from './store/queue-registry.ts';
import { DEFAULT_TENANT } from './tenant.ts';

/** What a submission learns about its queue: the stored definition, the state of a fixed queue, or nothing. */
type QueueLookup = QueueDefinition | { state: 'ENABLED' } | undefined;

export interface RedisJobServiceOptions {
  store: JobStore;
  queues: JobQueues;
  redis: Redis;
  /**
   * The nodes a job of the queue could be placed on (every compute environment it feeds, at full
   * capacity); undefined while not known yet (an API process before any scheduler published them): the
   * fit checks are then left to the scheduler. `environments`: the queue's, in order, when a registry
   * knows them. Returning the same array while nothing changed lets the fit check reuse its work.
   */
  nodesForQueue: (queue: string, environments?: readonly string[]) => NodeState[] | undefined;
  /** A compute environment's type: jobs of a queue feeding only `simulated` ones skip the runner's preflight. */
  environmentType?: (name: string) => string | undefined;
  cwd: string;
  now?: () => number;
  /** Whether the scheduler runs in this process; absent when it runs in another (role api). */
  schedulerRunning?: () => boolean;
  /** The configured compute environments and the queues feeding each (default: none listed). */
  computeEnvironments?: ComputeEnvironmentList | (() => ComputeEnvironmentList);
  /** Job queues managed at run time; without it the queues are `queues`' fixed names, always ENABLED. */
  registry?: QueueRegistry;
  /** Compute environments' run-time settings (state, maxNodes), shown in computeEnvironments(). */
  environmentSettings?: ComputeEnvironmentSettingsStore;
  /**
   * The directories a compute environment's jobs may use (absolute; docs/operations.md, Limits and
   * hardening); default: `cwd` for every environment.
   */
  dataRoots?: (computeEnvironment: string) => readonly string[];
  /** Largest job `params` as JSON bytes (default 64 KiB). */
  maxParamsBytes?: number;
  /** Submit-time checks of kernel, model and data (the runner's; tests may stand in their own). */
  preflight?: (spec: JobSpec, cwd: string) => Promise<FieldProblem[]>;
  /** Submissions, and jobs failed here (a cancel or terminate of a waiting job), are counted in these. */
  metrics?: Pick<ServiceMetrics, 'submissions' | 'failed'>;
  /** Submissions and stops, one line each with the job's id and queue. */
  log?: LogFn;
  /** Tenants' allowed queues and maxQueuedJobs; without it every tenant may use every queue, unlimited. */
  tenants?: Pick<TenantRegistry, 'settings' | 'get'>;
}

type ComputeEnvironmentList = Array<{
  name: string;
  type: 'local' | 'kubernetes' | 'simulated';
  queues: string[];
}>;

export class RedisJobService implements JobService {
  private readonly options: RedisJobServiceOptions;
  private readonly now: () => number;
  private readonly dependencies: Dependencies;
  private readonly realPaths: RealPathCache;
  private readonly nodeShapes = new WeakMap<readonly NodeState[], NodeState[]>();
  /**
   * Submit-time real paths: roots from a short cache; the outputs' directories too, with each output file
   * looked at. The paths the preflight then opens (input, model, a second input) are resolved afresh, so
   * it never reads a file outside the roots on a cached verdict.
   */
  private readonly submitRealPaths: RealPaths = {
    root: (path) => this.realPaths.directory(path),
    path: ({ field, path }) => (isWrittenPath(field) ? this.realPaths.file(path) : deepestRealPath(path)),
  };

  constructor(options: RedisJobServiceOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.realPaths = new RealPathCache({ now: this.now });
    this.dependencies = new Dependencies({
      store: options.store,
      queues: options.queues,
      now: this.now,
      publishCancel: (jobId, reason) => this.publishStop(jobId, reason),
    });
  }

  async submit(spec: JobSpec, origin: SubmitOrigin = {}): Promise<SubmitOutcome> {
    const { store, queues } = this.options;
    // Both reads go out together (one round trip); the queue is only looked at once the tenant may use it.
    const [tenant, queue] = await Promise.all([
      this.tenantSettings(origin.tenant ?? DEFAULT_TENANT),
      this.lookUpQueue(spec.queue),
    ]);
    if (!mayUseQueue(tenant, spec.queue))
      throw new QueueNotAllowedError(tenant.name, spec.queue, tenant.queues ?? []);
    const environments = await this.checkQueue(spec.queue, tenant, queue);
    // An array's children differ only in their index: the first stands for all in the checks.
    const checked = spec.arraySize === undefined ? spec : childSpec(spec, 0);
    const problems = await this.limitProblems(checked, environments);
    // Nothing runs on a simulated environment: its jobs need no kernel, model or data that exist.
    const simulatedOnly =
      environments?.every((name) => this.options.environmentType?.(name) === 'simulated') === true;
    // The preflight opens files: only once every path is known to lie inside the data roots.
    if (problems.length === 0 && !simulatedOnly)
      problems.push(...(await (this.options.preflight ?? preflight)(checked, this.options.cwd)));
    const nodes = this.options.nodesForQueue(spec.queue, environments);
    if (nodes) problems.push(...gangProblems(spec, nodes));
    const never = nodes && neverFits(this.shapesOf(nodes), spec.resources);
    if (never) {
      problems.push({
        field: 'resources',
        message: `can never run in queue ${spec.queue}: ${describeReason(never)} (even with every node empty)`,
      });
    }
    if (problems.length > 0) {
      throw new UnprocessableJobError(`${problems[0]!.field}: ${problems[0]!.message}`, problems);
    }
    const createOrigin: CreateOrigin = {
      ...(origin.jobDefinition ? { jobDefinition: origin.jobDefinition } : {}),
      tenant: tenant.name,
      ...(tenant.maxQueuedJobs !== undefined ? { maxQueuedJobs: tenant.maxQueuedJobs } : {}),
      ...(origin.dependsOnAnyTenant ? {} : { dependencyTenant: tenant.name }),
    };
    if (spec.arraySize !== undefined || (spec.dependsOn ?? []).length > 0)
      return this.submitWithDependencies(spec, createOrigin);
    // Nothing to wait for: stored RUNNABLE at once (SUBMITTED, PENDING, RUNNABLE events in the one write),
    // then queued. A crash in between leaves a RUNNABLE job with no queue entry, which recovery queues.
    const { record, created } = await limited(store.create(spec, createOrigin, runnableAtCreation));
    if (!created) return { job: record, created };
    this.submitted(record);
    await queues.enqueue(record);
    return { job: record, created };
  }

  /** The distinct node shapes of a node list, worked out once per list (nodesForQueue reuses lists). */
  private shapesOf(nodes: readonly NodeState[]): NodeState[] {
    let shapes = this.nodeShapes.get(nodes);
    if (!shapes) {
      shapes = distinctEmptyShapes(nodes);
      this.nodeShapes.set(nodes, shapes);
    }
    return shapes;
  }

  /**
   * The params are within their size and every path within the data roots of each environment the job
   * may run in (it may spill to any of them).
   */
  private async limitProblems(spec: JobSpec, environments: string[] | undefined): Promise<FieldProblem[]> {
    const tooLarge = paramsSizeProblem(spec.params, this.options.maxParamsBytes ?? DEFAULT_MAX_PARAMS_BYTES);
    const problems: FieldProblem[] = tooLarge ? [tooLarge] : [];
    const rootsPerEnvironment =
      environments !== undefined && this.options.dataRoots
        ? environments.map((name) => this.options.dataRoots!(name))
        : [[this.options.cwd]];
    const seen = new Set<string>();
    for (const roots of rootsPerEnvironment) {
      for (const problem of await dataRootProblems(spec, this.options.cwd, roots, this.submitRealPaths)) {
        if (seen.has(problem.field)) continue;
        seen.add(problem.field);
        problems.push(problem);
      }
    }
    return problems;
  }

  /** A tenant's settings, read on each submission (a change made through any process applies at once). */
  private async tenantSettings(name: string): Promise<TenantSettings> {
    return (await this.options.tenants?.settings(name)) ?? { name };
  }

  async allowedQueues(tenant: string): Promise<readonly string[] | undefined> {
    return (await this.tenantSettings(tenant)).queues;
  }

  /**
   * The queue exists and is ENABLED (read from Redis: a queue created or disabled elsewhere counts at once).
   * The names an unknown queue's answer lists are only those the tenant may use. Returns the queue's compute
   * environments in order (undefined when no environment is known for it).
   */
  private async checkQueue(
    name: string,
    tenant: TenantSettings,
    queue: QueueLookup,
  ): Promise<string[] | undefined> {
    const { queues, registry } = this.options;
    if (!queue) {
      const names = (registry ? (await registry.list()).map((q) => q.name) : queues.names()).filter((q) =>
        mayUseQueue(tenant, q),
      );
      throw new UnprocessableJobError(`unknown queue "${name}"`, [
        { field: 'queue', message: `no queue named "${name}"; queues: ${names.join(', ')}` },
      ]);
    }
    if (queue.state === 'DISABLED') {
      const message = `queue "${name}" is DISABLED: it accepts no new jobs (its jobs already queued still run)`;
      throw new UnprocessableJobError(message, [{ field: 'queue', message }]);
    }
    return 'name' in queue ? queueEnvironments(queue) : this.environmentsOfFixedQueue(name);
  }

  /** The stored queue definition, or for a fixed set of queues (no registry) whether it is one of them. */
  private async lookUpQueue(name: string): Promise<QueueLookup> {
    const { queues, registry } = this.options;
    if (registry) return registry.get(name);
    return queues.has(name) ? { state: 'ENABLED' } : undefined;
  }

  private environmentsOfFixedQueue(queue: string): string[] | undefined {
    const listed = this.options.computeEnvironments;
    const environments = typeof listed === 'function' ? listed() : listed;
    const name = environments?.find((ce) => ce.queues.includes(queue))?.name;
    return name === undefined ? undefined : [name];
  }

  /**
   * A job that waits for others, or an array job: stored PENDING with its dependency edges (and its
   * children) in one atomic step, then the outbox is drained: a job with nothing to wait for becomes
   * RUNNABLE before this returns; an array's first children are released in the background, so that
   * submitting 10,000 children answers at once.
   */
  private async submitWithDependencies(spec: JobSpec, origin: CreateOrigin): Promise<SubmitOutcome> {
    let outcome: { record: JobRecord; created: boolean };
    try {
      outcome = await limited(this.options.store.graph.createWithDependencies(spec, origin));
    } catch (error) {
      if (error instanceof UnknownDependencyError) {
        const field = `dependsOn[${error.index}].jobId`;
        const id = spec.dependsOn?.[error.index]?.jobId;
        throw new UnprocessableJobError(`${field}: no job with id "${id}"`, [
          { field, message: `no job with id "${id}"; a job may depend only on jobs that exist` },
        ]);
      }
      if (error instanceof DependencySizeError) {
        const field = `dependsOn[${error.index}].jobId`;
        const message = `N_TO_N needs an array job of the same size (${spec.arraySize})`;
        throw new UnprocessableJobError(`${field}: ${message}`, [{ field, message }]);
      }
      throw error;
    }
    if (!outcome.created) return { job: outcome.record, created: false };
    this.submitted(outcome.record);
    // The job is stored: a failed drain is retried by the leader's next one (after an attempt, every 30 s).
    const drained = this.dependencies.drain().catch(() => undefined);
    if (spec.arraySize !== undefined) return { job: outcome.record, created: true };
    await drained;
    return { job: (await this.options.store.get(outcome.record.id)) ?? outcome.record, created: true };
  }

  private submitted(record: JobRecord): void {
    const { queue } = record.spec;
    this.options.metrics?.submissions.inc({ queue });
    const what = record.spec.arraySize === undefined ? 'job' : `array job of ${record.spec.arraySize}`;
    this.options.log?.(`${what} submitted`, { jobId: record.id, queue });
  }

  /** A waiting job this process failed (cancel, terminate). */
  private stopped(record: JobRecord, reason: 'CANCELLED' | 'TERMINATED'): void {
    this.options.metrics?.failed.inc({ queue: record.spec.queue, reason });
    this.options.log?.(`job FAILED: ${record.statusReason}`, {
      jobId: record.id,
      queue: record.spec.queue,
      status: 'FAILED',
    });
  }

  /**
   * Re-runs the FAILED children of a finished array job (api: POST /v1/jobs/:id/retry-failed). They count
   * as queued again, so a tenant whose maxQueuedJobs they would pass gets a 429 first. That check reads
   * then writes (the children go back one compare-and-set each): unlike a submission's, a submission racing
   * it may pass the limit by what the retry adds.
   */
  async retryFailed(id: string): Promise<JobRecord | undefined> {
    await this.checkRetryFitsLimit(id);
    const record = await retryFailedChildren(this.options.store, id, this.now);
    if (record) await this.dependencies.drain();
    return record && ((await this.options.store.get(id)) ?? record);
  }

  private async checkRetryFitsLimit(id: string): Promise<void> {
    const { tenants, store } = this.options;
    const parent = tenants && (await store.get(id));
    if (!tenants || !parent) return;
    const tenant = await tenants.get(parent.tenant);
    const failed = (await store.graph.arrayCounts(id))?.counts.FAILED ?? 0;
    if (tenant.maxQueuedJobs !== undefined && tenant.queuedJobs + failed > tenant.maxQueuedJobs)
      throw new QueuedJobLimitError(tenant.name, tenant.maxQueuedJobs, tenant.queuedJobs, failed);
  }

  get(id: string): Promise<JobRecord | undefined> {
    return this.options.store.get(id);
  }

  async list(query: ListJobsQuery): Promise<JobPage> {
    const { records, next } = await this.options.store.list({
      queue: query.queue,
      status: query.status,
      namePrefix: query.name,
      share: query.share,
      tenant: query.tenant,
      createdAfter: query.createdAfter,
      createdBefore: query.createdBefore,
      after: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
      limit: query.limit,
    });
    return next ? { jobs: records, nextCursor: encodeCursor(next) } : { jobs: records };
  }

  /**
   * AWS Batch's CancelJob: only a job that has not started (SUBMITTED, PENDING, RUNNABLE) becomes FAILED with
   * `isCancelled`. A STARTING or RUNNING job is a 409 naming its state and pointing at terminate, rather
   * than AWS's silent no-op.
   */
  async cancel(id: string, reason: string): Promise<JobRecord | undefined> {
    const at = this.now();
    const record = await this.stop(id, (r) => {
      if (r.status === 'STARTING' || r.status === 'RUNNING') return undefined;
      return failWaiting(r, at, `Cancelled: ${reason}`, 'isCancelled');
    });
    if (record && (record.status === 'STARTING' || record.status === 'RUNNING')) {
      throw new ConflictError(
        `job ${id} is ${record.status}: cancel stops only jobs that have not started (SUBMITTED, PENDING, RUNNABLE); terminate it instead (POST /v1/jobs/${id}/terminate)`,
      );
    }
    // stop() refuses a finished job, so FAILED here is this cancel's doing.
    if (record?.status === 'FAILED') this.stopped(record, 'CANCELLED');
    return record && this.afterStop(record, reason, `Cancelled: ${reason}`);
  }

  /**
   * AWS Batch's TerminateJob: a waiting job becomes FAILED at once; a STARTING or RUNNING one records
   * `terminateRequested`, and the leader stops the attempt and records FAILED with `isTerminated`.
   */
  async terminate(id: string, reason: string): Promise<JobRecord | undefined> {
    const at = this.now();
    const record = await this.stop(id, (r) => {
      if (r.terminateRequested) return undefined;
      if (r.status === 'STARTING' || r.status === 'RUNNING') {
        r.terminateRequested = { at, reason }; // the leader stops the attempt, then records FAILED
        return r;
      }
      return failWaiting(r, at, `Terminated: ${reason}`, 'isTerminated');
    });
    if (record?.status === 'FAILED') this.stopped(record, 'TERMINATED');
    else if (record?.terminateRequested?.at === at)
      this.options.log?.(`terminate requested: ${reason}`, { jobId: id, queue: record.spec.queue });
    return record && this.afterStop(record, reason, `Terminated: ${reason}`);
  }

  /** Tells the leader, stops an array's children, and fails the dependents of a job that failed here. */
  private async afterStop(record: JobRecord, reason: string, childReason: string): Promise<JobRecord> {
    await this.publishStop(record.id, reason);
    if (record.arrayProperties?.size !== undefined) await this.dependencies.stopChildren(record, childReason);
    await this.dependencies.drain(); // its dependents fail ("Dependent Job failed")
    return (await this.options.store.get(record.id)) ?? record;
  }

  /** Applies `change` unless the job has finished (409); undefined when there is no such job. */
  private async stop(id: string, change: (r: JobRecord) => JobRecord | undefined) {
    let terminal = false;
    const record = await this.options.store.update(id, (r) => {
      terminal = TERMINAL_STATUSES.includes(r.status);
      return terminal ? undefined : change(r);
    });
    if (record && terminal) throw new ConflictError(`job ${id} is already ${record.status}`);
    return record;
  }

  /** The leader drops the job from its look-ahead window or stops its attempt (it also reads the record). */
  private async publishStop(id: string, reason: string): Promise<void> {
    await publishCancel(this.options.redis, this.options.store.keys, id, reason);
  }

  async queues(): Promise<string[]> {
    if (this.options.registry) return (await this.options.registry.list()).map((q) => q.name);
    return this.options.queues.names();
  }

  async computeEnvironments(): Promise<ComputeEnvironmentView[]> {
    const signals = new Map((await this.options.store.scaleSignals()).map((s) => [s.computeEnvironment, s]));
    const queues = this.options.registry ? await this.options.registry.list() : undefined;
    const settings = new Map(
      ((await this.options.environmentSettings?.list()) ?? []).map((s) => [s.name, s] as const),
    );
    const listed = this.options.computeEnvironments;
    return (typeof listed === 'function' ? listed() : (listed ?? [])).map((configured) => {
      // Queues created or moved at run time feed the environment their stored definition names.
      const stored = settings.get(configured.name);
      const ce = {
        ...configured,
        ...(queues
          ? {
              queues: queues.filter((q) => queueEnvironments(q).includes(configured.name)).map((q) => q.name),
            }
          : {}),
        ...(stored ? { state: stored.state } : {}),
        ...(stored?.maxNodes !== undefined ? { maxNodes: stored.maxNodes } : {}),
        ...(stored?.minNodes !== undefined ? { minNodes: stored.minNodes } : {}),
      };
      const signal = signals.get(ce.name);
      if (!signal) return ce;
      const { computeEnvironment: _name, at, ...numbers } = signal;
      return { ...ce, ...numbers, updatedAt: at };
    });
  }

  async ready(): Promise<{ ready: boolean; detail: string }> {
    try {
      await this.options.redis.ping();
    } catch (error) {
      return { ready: false, detail: `redis: ${(error as Error).message}` };
    }
    if (!this.options.schedulerRunning)
      return { ready: true, detail: 'redis answers; the scheduler runs in its own process' };
    return this.options.schedulerRunning()
      ? { ready: true, detail: 'redis answers; scheduler running' }
      : { ready: false, detail: 'redis answers; scheduler not running here (waiting for leadership?)' };
  }
}

/** A store's TenantQueuedLimitError as the API's 429. */
async function limited<T>(creation: Promise<T>): Promise<T> {
  try {
    return await creation;
  } catch (error) {
    if (error instanceof TenantQueuedLimitError)
      throw new QueuedJobLimitError(error.tenant, error.limit, error.queued, error.adding);
    throw error;
  }
}

function failWaiting(
  r: JobRecord,
  at: number,
  reason: string,
  flag: 'isCancelled' | 'isTerminated',
): JobRecord {
  r.status = 'FAILED';
  r.statusReason = reason;
  r.stoppedAt = at;
  r[flag] = true;
  delete r.notBefore;
  r.events.push({ at, status: 'FAILED', reason });
  return r;
}

/** base64url of JSON [createdAt, id]: opaque to clients, which only hand it back. */
function encodeCursor(position: JobPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
}

function decodeCursor(cursor: string): JobPosition {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    decoded = undefined;
  }
  if (
    !Array.isArray(decoded) ||
    decoded.length !== 2 ||
    !Number.isSafeInteger(decoded[0]) ||
    typeof decoded[1] !== 'string'
  ) {
    throw new ValidationError('cursor: not a cursor from a previous page', [
      { field: 'cursor', message: 'not a cursor from a previous page' },
    ]);
  }
  return { createdAt: decoded[0] as number, id: decoded[1] as string };
}

/** A gang needs as many nodes as members (in one label domain when sameLabel is set). */
function gangProblems(spec: JobSpec, nodes: readonly NodeState[]): FieldProblem[] {
  if (spec.nodes <= 1) return [];
  const domains = new Map<string, number>();
  for (const node of nodes) {
    const domain = spec.sameLabel ? node.labels[spec.sameLabel] : '';
    if (domain !== undefined) domains.set(domain, (domains.get(domain) ?? 0) + 1);
  }
  const largest = Math.max(0, ...domains.values());
  if (largest >= spec.nodes) return [];
  const where = spec.sameLabel ? ` sharing one value of label ${spec.sameLabel}` : '';
  return [
    {
      field: 'nodes',
      message: `a gang of ${spec.nodes} needs ${spec.nodes} nodes${where}; queue ${spec.queue} has at most ${largest}`,
    },
  ];
}
