// gpubatch queues ls|describe|create|update: job queues managed while the service runs (/v1/queues).
import type { QueueView } from '../../api/queue-catalog.ts';
import { parseCommandArgs } from '../args.ts';
import { apiClient } from '../client.ts';
import type { CliContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { table } from '../format.ts';
import { COMMAND_USAGE } from '../usage.ts';

const USAGE = COMMAND_USAGE.queues;

const SETTINGS = {
  priority: { type: 'string' },
  state: { type: 'string' },
  'max-concurrent-jobs': { type: 'string' },
  'max-runnable-seconds': { type: 'string' },
  'compute-environment': { type: 'string' },
  'compute-environments': { type: 'string' },
  'can-preempt': { type: 'string' },
  preemptible: { type: 'string' },
  'share-weights': { type: 'string' },
  'share-decay-seconds': { type: 'string' },
  'compute-reservation': { type: 'string' },
  'fair-share': { type: 'string' },
  json: { type: 'boolean' },
} as const;

const POLICY_OPTIONS = ['share-weights', 'share-decay-seconds', 'compute-reservation'] as const;

const path = (name: string) => `/v1/queues/${encodeURIComponent(name)}`;

function wholeNumber(option: string, value: string, allowNone: boolean): number | null {
  if (allowNone && value === 'none') return null;
  if (!/^-?\d+$/.test(value))
    throw new UsageError(
      `queues: --${option}: expected a whole number${allowNone ? ' or "none"' : ''}, got "${value}"`,
      USAGE,
    );
  return Number(value);
}

function flag(option: string, value: string): boolean {
  if (value === 'true' || value === 'false') return value === 'true';
  throw new UsageError(`queues: --${option}: expected true or false, got "${value}"`, USAGE);
}

/** `a=2,b=0.5` -> {a: 2, b: 0.5}; the server checks the weights' range. */
function shareWeights(value: string): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const pair of value.split(',')) {
    const [share, weight] = pair.split('=');
    if (!share || weight === undefined || !Number.isFinite(Number(weight)) || weight.trim() === '')
      throw new UsageError(
        `queues: --share-weights: expected share=weight[,share=weight...], got "${value}"`,
        USAGE,
      );
    weights[share] = Number(weight);
  }
  return weights;
}

/**
 * The fair-share policy options over `current` (the queue's policy before an update): the API replaces a
 * policy whole, so an update that names one part keeps the others. `--fair-share none` removes it.
 */
function policyFrom(
  values: Partial<Record<keyof typeof SETTINGS, string | boolean>>,
  current: QueueView['fairSharePolicy'],
): Record<string, unknown> | null | undefined {
  const text = (key: keyof typeof SETTINGS) => values[key] as string | undefined;
  const named = POLICY_OPTIONS.filter((option) => text(option) !== undefined);
  const remove = text('fair-share');
  if (remove !== undefined) {
    if (remove !== 'none')
      throw new UsageError(`queues: --fair-share: only "none" (remove the policy), got "${remove}"`, USAGE);
    if (named.length > 0)
      throw new UsageError(`queues: --fair-share none and --${named[0]} contradict`, USAGE);
    return null;
  }
  if (named.length === 0) return undefined;
  const policy: Record<string, unknown> = { ...current };
  if (text('share-weights') !== undefined) policy.shareWeights = shareWeights(text('share-weights')!);
  if (text('share-decay-seconds') !== undefined)
    policy.shareDecaySeconds = wholeNumber('share-decay-seconds', text('share-decay-seconds')!, false);
  if (text('compute-reservation') !== undefined)
    policy.computeReservation = wholeNumber('compute-reservation', text('compute-reservation')!, false);
  return policy;
}

/** The settings named on the command line, in the API's field names (the server checks their ranges). */
function settingsFrom(
  values: Partial<Record<keyof typeof SETTINGS, string | boolean>>,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const text = (key: keyof typeof SETTINGS) => values[key] as string | undefined;
  if (text('priority') !== undefined) body.priority = wholeNumber('priority', text('priority')!, false);
  if (text('state') !== undefined) body.state = text('state')!.toUpperCase();
  if (text('max-concurrent-jobs') !== undefined)
    body.maxConcurrentJobs = wholeNumber('max-concurrent-jobs', text('max-concurrent-jobs')!, true);
  if (text('max-runnable-seconds') !== undefined)
    body.maxRunnableSeconds = wholeNumber('max-runnable-seconds', text('max-runnable-seconds')!, true);
  if (text('compute-environment') !== undefined) body.computeEnvironment = text('compute-environment');
  if (text('compute-environments') !== undefined)
    body.computeEnvironments = text('compute-environments')!
      .split(',')
      .filter((name) => name !== '');
  if (text('can-preempt') !== undefined) body.canPreempt = flag('can-preempt', text('can-preempt')!);
  if (text('preemptible') !== undefined) body.preemptible = flag('preemptible', text('preemptible')!);
  return body;
}

const limit = (value: number | undefined, unit = '') => (value === undefined ? '-' : `${value}${unit}`);

function describeLines(q: QueueView): string {
  const rows = [
    ['Queue', q.name],
    ['State', q.state],
    ['Priority', String(q.priority)],
    ['Compute environments', environmentsText(q)],
    ['Max concurrent jobs', limit(q.maxConcurrentJobs)],
    ['Max RUNNABLE time', limit(q.maxRunnableSeconds, 's')],
    ['Can preempt', String(q.canPreempt)],
    ['Preemptible', String(q.preemptible)],
    ['Fair share', fairShareText(q.fairSharePolicy)],
  ];
  return rows.map(([field, value]) => `${field!.padEnd(20)} ${value}`).join('\n');
}

/** In the order jobs try them. */
const environmentsText = (q: QueueView) => (q.computeEnvironments ?? [q.computeEnvironment]).join(',');

function fairShareText(policy: QueueView['fairSharePolicy']): string {
  if (!policy) return '- (the scheduler-wide fairShare)';
  const weights = Object.entries(policy.shareWeights)
    .map(([share, weight]) => `${share}=${weight}`)
    .join(',');
  return `weights ${weights || '(all 1)'}, decay half-life ${policy.shareDecaySeconds}s, compute reservation ${policy.computeReservation}%`;
}

function print(ctx: CliContext, json: boolean | undefined, queue: QueueView): number {
  ctx.stdout.write(json ? `${JSON.stringify(queue, null, 2)}\n` : `${describeLines(queue)}\n`);
  return EXIT.ok;
}

async function ls(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs('queues', args, { json: { type: 'boolean' } }, ['<ls>']);
  const { jobQueues } = await apiClient(ctx).get<{ jobQueues?: QueueView[] }>('/v1/queues');
  if (values.json) {
    ctx.stdout.write(`${JSON.stringify(jobQueues ?? [], null, 2)}\n`);
    return EXIT.ok;
  }
  const rows = [['NAME', 'STATE', 'PRIORITY', 'COMPUTE ENV', 'MAX JOBS', 'MAX RUNNABLE']];
  for (const q of jobQueues ?? [])
    rows.push([
      q.name,
      q.state,
      String(q.priority),
      environmentsText(q),
      limit(q.maxConcurrentJobs),
      limit(q.maxRunnableSeconds, 's'),
    ]);
  ctx.stdout.write(`${table(rows)}\n`);
  return EXIT.ok;
}

async function describe(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('queues', args, { json: { type: 'boolean' } }, [
    '<describe>',
    '<name>',
  ]);
  return print(ctx, values.json, await apiClient(ctx).get<QueueView>(path(positionals[1]!)));
}

async function create(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('queues', args, SETTINGS, ['<create>', '<name>']);
  const policy = policyFrom(values, undefined);
  const body = {
    name: positionals[1]!,
    ...settingsFrom(values),
    ...(policy ? { fairSharePolicy: policy } : {}),
  };
  if (policy === null)
    throw new UsageError('queues create: --fair-share: "none" is the default already', USAGE);
  for (const [field, value] of Object.entries(body))
    if (value === null) throw new UsageError(`queues create: ${field}: "none" is the default already`, USAGE);
  return print(ctx, values.json, await apiClient(ctx).post<QueueView>('/v1/queues', body));
}

async function update(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('queues', args, SETTINGS, ['<update>', '<name>']);
  const body = settingsFrom(values);
  const client = apiClient(ctx);
  // A part of the policy named alone keeps the rest of the queue's current policy.
  const current = POLICY_OPTIONS.some((option) => values[option] !== undefined)
    ? (await client.get<QueueView>(path(positionals[1]!))).fairSharePolicy
    : undefined;
  const policy = policyFrom(values, current);
  if (policy !== undefined) body.fairSharePolicy = policy;
  if (Object.keys(body).length === 0)
    throw new UsageError('queues update: name at least one setting to change', USAGE);
  return print(ctx, values.json, await client.patch<QueueView>(path(positionals[1]!), body));
}

const SUBCOMMANDS: Record<string, (args: string[], ctx: CliContext) => Promise<number>> = {
  ls,
  describe,
  create,
  update,
};

export async function queuesCommand(args: string[], ctx: CliContext): Promise<number> {
  const sub = SUBCOMMANDS[args[0] ?? ''];
  if (!sub)
    throw new UsageError(
      `queues: unknown subcommand "${args[0] ?? ''}"; expected ls, describe, create or update`,
      USAGE,
    );
  return sub(args, ctx);
}
