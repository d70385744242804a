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
  'can-preempt': { type: 'string' },
  preemptible: { type: 'string' },
  json: { type: 'boolean' },
} as const;

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
    ['Compute environment', q.computeEnvironment],
    ['Max concurrent jobs', limit(q.maxConcurrentJobs)],
    ['Max RUNNABLE time', limit(q.maxRunnableSeconds, 's')],
    ['Can preempt', String(q.canPreempt)],
    ['Preemptible', String(q.preemptible)],
  ];
  return rows.map(([field, value]) => `${field!.padEnd(20)} ${value}`).join('\n');
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
      q.computeEnvironment,
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
  const body = { name: positionals[1]!, ...settingsFrom(values) };
  for (const [field, value] of Object.entries(body))
    if (value === null) throw new UsageError(`queues create: ${field}: "none" is the default already`, USAGE);
  return print(ctx, values.json, await apiClient(ctx).post<QueueView>('/v1/queues', body));
}

async function update(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('queues', args, SETTINGS, ['<update>', '<name>']);
  const body = settingsFrom(values);
  if (Object.keys(body).length === 0)
    throw new UsageError('queues update: name at least one setting to change', USAGE);
  return print(ctx, values.json, await apiClient(ctx).patch<QueueView>(path(positionals[1]!), body));
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
