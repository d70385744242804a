// The JobService the API calls, backed by the Redis job store and the BullMQ queues.
import type { Redis } from 'ioredis';
import { ConflictError, type FieldProblem, UnprocessableJobError, ValidationError } from '../api/errors.ts';
import type {
  ComputeEnvironmentView,
  JobPage,
  JobService,
  ListJobsQuery,
  SubmitOutcome,
} from '../api/job-service.ts';
import type { JobSpec } from '../api/schemas/job-spec.ts';
import { preflight } from '../runner/preflight.ts';
import { describeReason, neverFits } from './core/index.ts';
import type { NodeState } from './core/types.ts';
import { makeRunnable } from './job-lifecycle.ts';
import { type JobRecord, TERMINAL_STATUSES } from './job-record.ts';
import type { JobQueues } from './store/job-queues.ts';
import type { JobStore } from './store/job-store.ts';

export interface RedisJobServiceOptions {
  store: JobStore;
  queues: JobQueues;
  redis: Redis;
  /** Nodes (at full capacity) of the compute environment each queue feeds. */
  nodesForQueue: (queue: string) => NodeState[];
  cwd: string;
  now?: () => number;
  schedulerRunning: () => boolean;
  /** The configured compute environments and the queues feeding each (default: none listed). */
  computeEnvironments?: Array<{ name: string; type: 'local' | 'kubernetes'; queues: string[] }>;
  /** Submit-time checks of kernel, model and data (the runner's; tests may stand in their own). */
  preflight?: (spec: JobSpec, cwd: string) => Promise<FieldProblem[]>;
}

export class RedisJobService implements JobService {
  private readonly options: RedisJobServiceOptions;
  private readonly now: () => number;

  constructor(options: RedisJobServiceOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  async submit(spec: JobSpec): Promise<SubmitOutcome> {
    const { store, queues } = this.options;
    if (!queues.has(spec.queue)) {
      throw new UnprocessableJobError(`unknown queue "${spec.queue}"`, [
        { field: 'queue', message: `no queue named "${spec.queue}"; queues: ${queues.names().join(', ')}` },
      ]);
    }
    const problems: FieldProblem[] = await (this.options.preflight ?? preflight)(spec, this.options.cwd);
    const nodes = this.options.nodesForQueue(spec.queue);
    problems.push(...gangProblems(spec, nodes));
    const never = neverFits(nodes, spec.resources);
    if (never) {
      problems.push({
        field: 'resources',
        message: `can never run in queue ${spec.queue}: ${describeReason(never)} (even with every node empty)`,
      });
    }
    if (problems.length > 0) {
      throw new UnprocessableJobError(`${problems[0]!.field}: ${problems[0]!.message}`, problems);
    }
    const { record, created } = await store.create(spec);
    if (!created) return { job: record, created };
    await queues.enqueue(record);
    const runnable = await makeRunnable(store, record.id, this.now);
    return { job: runnable ?? (await store.get(record.id)) ?? record, created };
  }

  get(id: string): Promise<JobRecord | undefined> {
    return this.options.store.get(id);
  }

  async list(query: ListJobsQuery): Promise<JobPage> {
    const beforeSeq = query.cursor ? decodeCursor(query.cursor) : undefined;
    const { records, nextSeq } = await this.options.store.list({
      queue: query.queue,
      status: query.status,
      beforeSeq,
      limit: query.limit,
    });
    return { jobs: records, nextCursor: nextSeq === undefined ? undefined : encodeCursor(nextSeq) };
  }

  async cancel(id: string, reason: string): Promise<JobRecord | undefined> {
    const { store } = this.options;
    const at = this.now();
    let terminal = false;
    const record = await store.update(id, (r) => {
      terminal = TERMINAL_STATUSES.includes(r.status);
      if (terminal || r.cancelRequested) return undefined;
      if (r.status === 'STARTING' || r.status === 'RUNNING') {
        r.cancelRequested = { at, reason }; // the leader terminates the attempt, then records FAILED
        return r;
      }
      r.status = 'FAILED';
      r.statusReason = `Cancelled: ${reason}`;
      r.stoppedAt = at;
      r.events.push({ at, status: 'FAILED', reason: r.statusReason });
      return r;
    });
    if (!record) return undefined;
    if (terminal) throw new ConflictError(`job ${id} is already ${record.status}`);
    await this.options.redis.publish(store.keys.cancelChannel, JSON.stringify({ jobId: id, reason }));
    return record;
  }

  async queues(): Promise<string[]> {
    return this.options.queues.names();
  }

  async computeEnvironments(): Promise<ComputeEnvironmentView[]> {
    const signals = new Map((await this.options.store.scaleSignals()).map((s) => [s.computeEnvironment, s]));
    return (this.options.computeEnvironments ?? []).map((ce) => {
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
    return this.options.schedulerRunning()
      ? { ready: true, detail: 'redis answers; scheduler running' }
      : { ready: false, detail: 'redis answers; scheduler not running here (waiting for leadership?)' };
  }
}

function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^seq:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) {
    throw new ValidationError('cursor: not a cursor from a previous page', [
      { field: 'cursor', message: 'not a cursor from a previous page' },
    ]);
  }
  return Number(match[1]);
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
