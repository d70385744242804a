// Service configuration: environment variables plus an optional YAML file, validated at start-up.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { DEFAULT_MAX_JSON_DEPTH } from '../api/hardening/json-depth.ts';
import { DEFAULT_MAX_PARAMS_BYTES } from '../api/hardening/params-size.ts';
import { DEFAULT_RATE_LIMIT } from '../api/hardening/token-buckets.ts';
import { DEFAULT_SCORER, scorerNames } from './core/index.ts';
import { LeaderElectionSchema, leaseTimingProblem } from './leader-election-config.ts';

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-"');

const InventorySchema = z.strictObject({
  name: z.string().min(1).optional(),
  gpus: z.array(z.strictObject({ model: z.string().min(1) })).optional(),
  cpuMilli: z.int().min(1).optional(),
  memoryMiB: z.int().min(1).optional(),
  labels: z.record(z.string(), z.string()).optional(),
});

/** One share's budget: at most `gpuHours` GPU-hours in any rolling `windowHours`. */
const BudgetSchema = z.strictObject({
  gpuHours: z.number().positive(),
  /** At least 1 s (a window of 60 buckets of 1/60 each), at most a year. */
  windowHours: z
    .number()
    .min(1 / 3600)
    .max(366 * 24),
});

/**
 * Directories a job of this environment may read and write under (input, output, model, second input);
 * relative ones resolve against the service's working directory, which is the default root.
 */
const dataRoots = z.array(z.string().min(1).max(4096)).min(1).max(64).optional();

/** What may change while the service runs (PATCH /v1/compute-environments/:name); the rest is config. */
const environmentSettings = {
  /** DISABLED: nothing new is placed on its nodes; running jobs go on (AWS Batch's state). */
  state: z.enum(['ENABLED', 'DISABLED']).default('ENABLED'),
  /** The scheduler places on at most this many of its nodes (by name), and asks the autoscaler for no more. */
  maxNodes: z.int().min(0).max(100_000).optional(),
  /**
   * The autoscaling signal asks for at least this many nodes even with nothing waiting (warm capacity);
   * maxNodes wins where the two disagree. Places nothing by itself.
   */
  minNodes: z.int().min(0).max(100_000).optional(),
};

/** A compute environment's run-time settings as stored in Redis (scheduler/store/compute-environment-settings.ts). */
export const ComputeEnvironmentSettingsSchema = z.strictObject({ name, ...environmentSettings });
export type ComputeEnvironmentSettings = z.output<typeof ComputeEnvironmentSettingsSchema>;

const LocalEnvironmentSchema = z.strictObject({
  name,
  type: z.literal('local'),
  ...environmentSettings,
  /** Declared node inventory instead of detection (nvidia-smi, OS). */
  inventory: InventorySchema.optional(),
  scorer: z.string().default(DEFAULT_SCORER),
  dataRoots,
});

const TolerationSchema = z.strictObject({
  key: z.string().min(1).optional(),
  operator: z.enum(['Equal', 'Exists']).default('Equal'),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
});

/** One kind of simulated node: `count` identical nodes. */
const SimulatedNodesSchema = z.strictObject({
  count: z.int().min(1).max(10_000),
  gpus: z.int().min(0).max(64).default(0),
  gpuModel: z.string().min(1).default('SIM-GPU'),
  cpuMilli: z.int().min(1).default(8000),
  memoryMiB: z
    .int()
    .min(1)
    .default(32 * 1024),
  labels: z.record(z.string(), z.string()).default({}),
});

/**
 * Declared nodes where jobs only pretend to run (no runner, no GPU): each attempt succeeds after its
 * simulated duration on the real clock (scheduler/executors/simulated/). For trying gpubatch and demos.
 */
export const SimulatedEnvironmentSchema = z.strictObject({
  name,
  type: z.literal('simulated'),
  ...environmentSettings,
  scorer: z.string().default(DEFAULT_SCORER),
  nodes: z.array(SimulatedNodesSchema).min(1).max(100),
  /** How long an attempt "runs" unless its params.simulatedSeconds says otherwise. */
  defaultSeconds: z
    .number()
    .min(0)
    .max(7 * 24 * 3600)
    .default(10),
});

export type SimulatedEnvironment = z.output<typeof SimulatedEnvironmentSchema>;

/** A pool of Kubernetes nodes found by label; each attempt is one Pod bound to the node the core chose. */
export const KubernetesEnvironmentSchema = z.strictObject({
  name,
  type: z.literal('kubernetes'),
  ...environmentSettings,
  scorer: z.string().default(DEFAULT_SCORER),
  /** A kubeconfig file; absent means in-cluster (the pod's service account). */
  kubeconfigPath: z.string().min(1).optional(),
  /** Where job pods are created (default: the kubeconfig context's namespace, else "default"). */
  namespace: z.string().min(1).optional(),
  /** Node labels that make a node part of this pool (all must match). */
  nodeSelector: z.record(z.string(), z.string()).default({}),
  /** Taints of the pool's nodes that job pods tolerate (other NoSchedule/NoExecute taints exclude a node). */
  tolerations: z.array(TolerationSchema).default([]),
  /** The runner image (the one gpubatch image). */
  image: z.string().min(1),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
  /**
   * GPU shares (gpuMilli < 1000) on this pool: pods get the GPU index the core chose in
   * NVIDIA_VISIBLE_DEVICES and no nvidia.com/gpu request. Only for nodes dedicated to gpubatch.
   */
  gpuSharing: z.boolean().default(false),
  /** The service account job pods run as (its token is never mounted); default: the namespace's default. */
  serviceAccountName: z.string().min(1).optional(),
  /** A PersistentVolumeClaim with the job data, mounted in job pods at the service's working directory. */
  dataVolumeClaim: z.string().min(1).optional(),
  /** How long a job pod gets after SIGTERM (checkpoints) before it is killed. */
  terminationGraceSeconds: z.int().min(0).max(3600).default(30),
  /** A node not Ready this long fails its attempts as NODE_LOST (they are retried elsewhere). */
  nodeLostSeconds: z.number().positive().max(3600).default(40),
  /** Finished pods are kept this long after their outcome is recorded, so their logs stay readable. */
  finishedPodRetentionSeconds: z
    .int()
    .min(0)
    .max(7 * 24 * 3600)
    .default(300),
  /** Pod creates and deletes in flight at once. */
  maxConcurrentRequests: z.int().min(1).max(1000).default(32),
  /** As seen inside job pods: with dataVolumeClaim the volume is mounted at the service's working directory. */
  dataRoots,
});

export type KubernetesEnvironment = z.output<typeof KubernetesEnvironmentSchema>;

/**
 * A job queue's own fair share (AWS Batch's fair-share scheduling policy): its jobs' shares divide the
 * capacity by these weights, with this decay and reservation, apart from the scheduler-wide `fairShare`.
 */
export const FairSharePolicySchema = z.strictObject({
  /** Weight per shareIdentifier of the queue's jobs (higher gets more; AWS's weightFactor is 1 / weight); a share not listed weighs 1. */
  shareWeights: z.record(z.string().min(1), z.number().positive().max(1_000_000)).default({}),
  /** Half-life of past usage in seconds (AWS: shareDecaySeconds, 0..604800); 0: only current usage counts. */
  shareDecaySeconds: z
    .int()
    .min(0)
    .max(7 * 24 * 3600)
    .default(3600),
  /** 0..99: percent of capacity kept for shares not yet active; with n active shares (r/100)^n is kept. */
  computeReservation: z.int().min(0).max(99).default(0),
});

export type FairSharePolicy = z.output<typeof FairSharePolicySchema>;

/** One entry of `queues:` (also read by `gpubatch simulate --queues`). */
export const QueueSchema = z.strictObject({
  name,
  /** The first of `computeEnvironments` (kept for readers of a single environment); alone, the only one. */
  computeEnvironment: name.default('local'),
  /**
   * The compute environments it feeds, in order (AWS Batch's computeEnvironmentOrder): a job is placed in
   * the first that can take it now, else the next. Absent: `[computeEnvironment]` (normalizeQueue).
   */
  computeEnvironments: z
    .array(name)
    .min(1)
    .max(3)
    .refine((names) => new Set(names).size === names.length, 'a compute environment may be listed once')
    .optional(),
  /** Higher-priority queues are served first. */
  priority: z.int().min(-1000).max(1000).default(0),
  /** Jobs of this queue may stop lower-priority preemptible running jobs to start (opt-in). */
  canPreempt: z.boolean().default(false),
  /** Jobs of this queue may be stopped for higher-priority jobs of a queue that can preempt. */
  preemptible: z.boolean().default(true),
  /** Jobs RUNNABLE longer than this are cancelled (FAILED, isCancelled) with a reason naming the limit. */
  maxRunnableSeconds: z
    .int()
    .min(1)
    .max(365 * 24 * 3600)
    .optional(),
  /** DISABLED: submissions are refused; jobs already in the queue still run (AWS Batch's queue state). */
  state: z.enum(['ENABLED', 'DISABLED']).default('ENABLED'),
  /** At most this many of the queue's jobs hold capacity (STARTING or RUNNING) at once; no cap when absent. */
  maxConcurrentJobs: z.int().min(1).max(1_000_000).optional(),
  /** Fair share between this queue's shares by its own weights; absent: the scheduler-wide `fairShare`. */
  fairSharePolicy: FairSharePolicySchema.optional(),
});

export type QueueDefinition = z.output<typeof QueueSchema>;

/** The REST API's limits (docs/operations.md, Limits and hardening); env variables override them. */
const ApiSettingsSchema = z.strictObject({
  /** Per caller (API token, else client address), in each API process; requestsPerSecond 0 turns it off. */
  rateLimit: z
    .strictObject({
      requestsPerSecond: z.number().min(0).max(1_000_000).default(DEFAULT_RATE_LIMIT.requestsPerSecond),
      burst: z.int().min(1).max(10_000_000).default(DEFAULT_RATE_LIMIT.burst),
    })
    .default(DEFAULT_RATE_LIMIT),
  /** Browser origins allowed to call the API (CORS); none: CORS off. */
  corsOrigins: z
    .array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'an origin: scheme://host[:port]'))
    .default([]),
  /** Largest job `params`, as JSON bytes. */
  maxParamsBytes: z
    .int()
    .min(1024)
    .max(16 * 1024 * 1024)
    .default(DEFAULT_MAX_PARAMS_BYTES),
  /** Deepest JSON nesting accepted in a request body. */
  maxJsonDepth: z.int().min(4).max(1024).default(DEFAULT_MAX_JSON_DEPTH),
});

export type ApiSettings = z.output<typeof ApiSettingsSchema>;

/** The service's YAML file (GPUBATCH_CONFIG); `gpubatch simulate --queues` reads the same shape. */
export const FileConfigSchema = z.strictObject({
  queues: z
    .array(QueueSchema)
    .min(1)
    .default([QueueSchema.parse({ name: 'default' })]),
  computeEnvironments: z
    .array(
      z.discriminatedUnion('type', [
        LocalEnvironmentSchema,
        KubernetesEnvironmentSchema,
        SimulatedEnvironmentSchema,
      ]),
    )
    .min(1)
    .default([{ name: 'local', type: 'local', scorer: DEFAULT_SCORER, state: 'ENABLED' }]),
  runners: z
    .strictObject({
      /** Warm runners kept at least; more stay while recent concurrency needs them. */
      keepWarm: z.int().min(0).max(256).default(4),
      idleTimeoutSeconds: z.int().min(1).default(60),
      /** Each runner's JavaScript heap limit (--max-old-space-size); past it the attempt fails RUNNER_OUT_OF_MEMORY. */
      maxHeapMiB: z.int().min(32).optional(),
    })
    .default({ keepWarm: 4, idleTimeoutSeconds: 60 }),
  /** How soon a crashed scheduler is replaced: its leader lock expires and its jobs' BullMQ locks lapse. */
  failover: z
    .strictObject({
      leaderTtlSeconds: z.int().min(1).max(300).default(15),
      attemptLockSeconds: z.int().min(1).max(600).default(30),
      /** A Redis command without a reply this long fails: the API answers 503 + Retry-After instead of hanging. */
      redisCommandTimeoutSeconds: z.int().min(1).max(60).default(3),
    })
    .default({ leaderTtlSeconds: 15, attemptLockSeconds: 30, redisCommandTimeoutSeconds: 3 }),
  /** Weighted dominant-resource fairness between jobs' shareIdentifiers, with usage decaying. */
  fairShare: z
    .strictObject({
      halfLifeSeconds: z.int().min(1).default(3600),
      /** Weight per shareIdentifier; a share not listed weighs 1. */
      weights: z.record(z.string(), z.number().positive()).default({}),
      /**
       * GPU-hour budget per shareIdentifier over a rolling window; `*` is the budget of each share without
       * its own entry. A share over budget starts nothing until usage leaves the window (docs/scheduler-core.md).
       */
      budgets: z.record(z.string().min(1), BudgetSchema).default({}),
    })
    .default({ halfLifeSeconds: 3600, weights: {}, budgets: {} }),
  /** Look-ahead window: how many queued jobs per queue and size lane the scheduler considers at once. */
  windowPerQueue: z.int().min(1).max(10_000).default(256),
  /** Finished (SUCCEEDED/FAILED) jobs are deleted this long after they finish (docs/api.md#retention). */
  retention: z
    .strictObject({
      /** Days a finished job is kept; fractions allowed (0.5 = 12 h). */
      finishedJobDays: z.number().positive().max(3650).default(7),
      /** How often the leader deletes what is due. */
      sweepIntervalSeconds: z.int().min(1).max(86_400).default(60),
      /** Jobs deleted per Lua script (Redis is busy for one batch at a time). */
      batchSize: z.int().min(1).max(10_000).default(500),
    })
    .default({ finishedJobDays: 7, sweepIntervalSeconds: 60, batchSize: 500 }),
  /** Who may lead: the Redis lock alone, or a Kubernetes Lease first (docs/kubernetes.md). */
  leaderElection: LeaderElectionSchema.default({ type: 'redis' }),
  /** Bearer-token authentication (docs/api.md#authentication); always on. */
  auth: z
    .strictObject({
      /** Serve /metrics (API and scheduler ports) without a token; GPUBATCH_METRICS_OPEN overrides. */
      metricsOpen: z.boolean().default(false),
    })
    .default({ metricsOpen: false }),
  api: ApiSettingsSchema.default(ApiSettingsSchema.parse({})),
});

export type FileConfig = z.output<typeof FileConfigSchema>;

/** What `up` runs in this process: the REST API, the scheduler (leader campaign, workers), or both. */
export const ROLES = ['all', 'api', 'scheduler'] as const;
export type Role = (typeof ROLES)[number];

export interface Config extends FileConfig {
  role: Role;
  port: number;
  host: string;
  dataDir: string;
  redisUrl?: string;
  /** GPUBATCH_ADMIN_TOKEN: an admin token to accept (stored hashed at start); else first start creates one. */
  adminToken?: string;
  /** /metrics without a token (GPUBATCH_METRICS_OPEN, else the file's auth.metricsOpen). */
  metricsOpen: boolean;
  /** Relative paths in job specs resolve against this directory. */
  cwd: string;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const port = Number(env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT must be a port number (0-65535), got "${env.PORT}"`);
  }
  const role = (env.GPUBATCH_ROLE || 'all') as Role;
  if (!ROLES.includes(role)) {
    throw new ConfigError(`role (--role or GPUBATCH_ROLE) must be one of ${ROLES.join(', ')}; got "${role}"`);
  }
  const file = env.GPUBATCH_CONFIG ? readConfigFile(resolve(cwd, env.GPUBATCH_CONFIG)) : {};
  const parsed = FileConfigSchema.safeParse(file);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${env.GPUBATCH_CONFIG}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const config: Config = {
    ...parsed.data,
    api: apiSettingsWithEnv(parsed.data.api, env),
    role,
    port,
    host: env.HOST ?? '127.0.0.1',
    dataDir: resolve(cwd, env.GPUBATCH_DATA_DIR ?? '.gpubatch'),
    redisUrl: redisUrlWithCredentials(env),
    adminToken: adminTokenOf(env.GPUBATCH_ADMIN_TOKEN),
    metricsOpen:
      booleanOf('GPUBATCH_METRICS_OPEN', env.GPUBATCH_METRICS_OPEN) ?? parsed.data.auth.metricsOpen,
    cwd,
  };
  if (role !== 'all' && !config.redisUrl) {
    // Separate API and scheduler processes must meet in one Redis; an embedded one would be private.
    throw new ConfigError(
      `role ${role}: REDIS_URL is required (the Redis shared by the API and the scheduler); the embedded redis-server is only for role all`,
    );
  }
  if (config.leaderElection.type === 'kubernetes-lease') {
    const problem = leaseTimingProblem(config.leaderElection);
    if (problem) throw new ConfigError(`${env.GPUBATCH_CONFIG}: ${problem}`);
  }
  if (config.computeEnvironments.filter((ce) => ce.type === 'local').length > 1) {
    throw new ConfigError('computeEnvironments: only one of type "local" (it is this machine)');
  }
  for (const ce of config.computeEnvironments) {
    if (!scorerNames().includes(ce.scorer)) {
      throw new ConfigError(
        `computeEnvironments.${ce.name}.scorer: unknown scorer "${ce.scorer}"; known: ${scorerNames().join(', ')}`,
      );
    }
  }
  const environments = new Set(config.computeEnvironments.map((ce) => ce.name));
  if (environments.size !== config.computeEnvironments.length)
    throw new ConfigError('computeEnvironments: two have the same name');
  config.queues = config.queues.map((queue) => {
    const normalized = normalizeQueue(queue, queue.computeEnvironments !== undefined);
    for (const ce of normalized.computeEnvironments ?? [])
      if (!environments.has(ce))
        throw new ConfigError(`queue ${queue.name}: unknown computeEnvironment "${ce}"`);
    return normalized;
  });
  return config;
}

/** Shortest GPUBATCH_ADMIN_TOKEN accepted: it guards everything, so it must not be guessable. */
export const MIN_ADMIN_TOKEN_LENGTH = 20;

function adminTokenOf(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (value.length < MIN_ADMIN_TOKEN_LENGTH || /\s/.test(value)) {
    throw new ConfigError(
      `GPUBATCH_ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters without spaces (e.g. \`openssl rand -hex 32\`)`,
    );
  }
  return value;
}

function booleanOf(variable: string, value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(`${variable} must be true or false, got "${value}"`);
}

/**
 * REDIS_URL, with REDIS_USERNAME / REDIS_PASSWORD (e.g. from a Kubernetes Secret) put into it,
 * percent-encoded, when it carries none itself: a password need not be URL-safe.
 */
function redisUrlWithCredentials(env: NodeJS.ProcessEnv): string | undefined {
  if (!env.REDIS_URL) return undefined;
  if (!env.REDIS_PASSWORD && !env.REDIS_USERNAME) return env.REDIS_URL;
  let url: URL;
  try {
    url = new URL(env.REDIS_URL);
  } catch {
    throw new ConfigError('REDIS_URL is not a URL (redis://[user:password@]host:port or rediss://...)');
  }
  if (url.password || url.username) return env.REDIS_URL;
  if (env.REDIS_USERNAME) url.username = env.REDIS_USERNAME;
  if (env.REDIS_PASSWORD) url.password = env.REDIS_PASSWORD;
  return url.toString().replace(/\/$/, '');
}

/** GPUBATCH_RATE_LIMIT_RPS, GPUBATCH_RATE_LIMIT_BURST, GPUBATCH_CORS_ORIGINS (comma-separated) over the file. */
function apiSettingsWithEnv(file: ApiSettings, env: NodeJS.ProcessEnv): ApiSettings {
  const merged = {
    ...file,
    rateLimit: {
      requestsPerSecond: envNumber(env, 'GPUBATCH_RATE_LIMIT_RPS') ?? file.rateLimit.requestsPerSecond,
      burst: envNumber(env, 'GPUBATCH_RATE_LIMIT_BURST') ?? file.rateLimit.burst,
    },
    corsOrigins: env.GPUBATCH_CORS_ORIGINS
      ? env.GPUBATCH_CORS_ORIGINS.split(',')
          .map((origin) => origin.trim())
          .filter((origin) => origin !== '')
      : file.corsOrigins,
  };
  const checked = ApiSettingsSchema.safeParse(merged);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new ConfigError(`api.${issue.path.join('.')} (config or its GPUBATCH_ variable): ${issue.message}`);
  }
  return checked.data;
}

function envNumber(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new ConfigError(`${name} must be a number, got "${raw}"`);
  return value;
}

/** The absolute directories a compute environment's jobs may use; default: the service's working directory. */
export function dataRootsOf(
  environment: Config['computeEnvironments'][number] | undefined,
  cwd: string,
): string[] {
  // A simulated environment opens no files and has no roots of its own: the default applies.
  const roots = environment && 'dataRoots' in environment ? environment.dataRoots : undefined;
  return roots?.map((root) => resolve(cwd, root)) ?? [cwd];
}

/**
 * Both forms agree: `computeEnvironments` (the order) and `computeEnvironment` (its first). When the list
 * was given it wins (a lone `computeEnvironment` is then its default, not a choice); otherwise the one
 * environment is the list.
 */
export function normalizeQueue(queue: QueueDefinition, listGiven: boolean): QueueDefinition {
  if (listGiven && queue.computeEnvironments)
    return { ...queue, computeEnvironment: queue.computeEnvironments[0]! };
  return { ...queue, computeEnvironments: [queue.computeEnvironment] };
}

/** The compute environments a queue feeds, in order. */
export function queueEnvironments(
  queue: Pick<QueueDefinition, 'computeEnvironment' | 'computeEnvironments'>,
): string[] {
  return queue.computeEnvironments ?? [queue.computeEnvironment];
}

function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`GPUBATCH_CONFIG: cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return parse(text) ?? {};
  } catch (error) {
    throw new ConfigError(`GPUBATCH_CONFIG: ${path} is not valid YAML: ${(error as Error).message}`);
  }
}
