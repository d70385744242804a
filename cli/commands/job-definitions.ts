// gpubatch job-definitions register|ls|describe|deregister: AWS Batch's job definition calls.
import type { JobDefinitionPage } from '../../api/job-definitions/registry.ts';
import { parseDefinitionRef } from '../../api/job-definitions/resolve.ts';
import { type JobDefinitionRecord, JobDefinitionRefSchema } from '../../api/schemas/job-definition.ts';
import { parseCommandArgs } from '../args.ts';
import { apiClient } from '../client.ts';
import type { CliContext } from '../context.ts';
import { loadDefinitionFile } from '../definition-file.ts';
import { EXIT, UsageError } from '../errors.ts';
import { formatTime, table } from '../format.ts';
import { COMMAND_USAGE } from '../usage.ts';

const USAGE = COMMAND_USAGE['job-definitions'];
const SUBCOMMANDS = ['register', 'ls', 'describe', 'deregister'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

function isSubcommand(name: string): name is Subcommand {
  return (SUBCOMMANDS as readonly string[]).includes(name);
}

/** "resize" or "resize:3", checked before anything is sent. */
function definitionRef(text: string, needRevision: boolean): { name: string; revision?: number } {
  const ref = JobDefinitionRefSchema.safeParse(text);
  const parsed = ref.success ? parseDefinitionRef(text) : undefined;
  if (!parsed || (needRevision && parsed.revision === undefined)) {
    const expected = needRevision
      ? 'name:revision, e.g. "resize:3"'
      : 'name or name:revision, e.g. "resize:3"';
    throw new UsageError(`job-definitions: expected ${expected}, got "${text}"`, USAGE);
  }
  return parsed;
}

const path = (name: string, revision?: number) =>
  `/v1/job-definitions/${encodeURIComponent(name)}${revision === undefined ? '' : `/${revision}`}`;

function json(ctx: CliContext, value: unknown): number {
  ctx.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  return EXIT.ok;
}

function what(d: JobDefinitionRecord): string {
  return d.kind === 'kernel' ? `kernel ${d.kernel}` : `model ${d.model}`;
}

function resources(d: JobDefinitionRecord): string {
  const r = d.resources ?? {};
  const parts = Object.entries(r).map(
    ([key, value]) => `${key} ${Array.isArray(value) ? value.join(',') : value}`,
  );
  return parts.length > 0 ? parts.join(', ') : 'job spec defaults';
}

/** One revision, one "Field  value" line each. */
function describeLines(d: JobDefinitionRecord): string {
  const rows = [
    ['Definition', d.jobDefinition],
    ['Status', d.deregisteredAt ? `${d.status} since ${formatTime(d.deregisteredAt)}` : d.status],
    ['Registered', formatTime(d.registeredAt)],
    ['Runs', what(d)],
    ['Input', d.input],
    ['Output', d.output],
    [
      'Parameters',
      Object.entries(d.parameters)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ') || 'none',
    ],
    ['Params', JSON.stringify(d.params)],
    ['Resources', resources(d)],
  ];
  if (d.queue) rows.push(['Queue', d.queue]);
  if (d.priority !== undefined) rows.push(['Priority', String(d.priority)]);
  if (d.timeoutSeconds !== undefined) rows.push(['Timeout', `${d.timeoutSeconds} s per attempt`]);
  if (d.retry) rows.push(['Retry', JSON.stringify(d.retry)]);
  if (d.tags)
    rows.push([
      'Tags',
      Object.entries(d.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    ]);
  return table(rows);
}

async function register(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('job-definitions', args, { json: { type: 'boolean' } }, [
    'register',
    '<file>',
  ]);
  const definition = await loadDefinitionFile(positionals[1]!, ctx.cwd);
  const record = await apiClient(ctx).post<JobDefinitionRecord>('/v1/job-definitions', definition);
  if (values.json) return json(ctx, record);
  ctx.stdout.write(`${record.jobDefinition}\n`);
  return EXIT.ok;
}

async function ls(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs(
    'job-definitions',
    args,
    {
      name: { type: 'string' },
      status: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      json: { type: 'boolean' },
    },
    ['ls'],
  );
  const query = new URLSearchParams();
  for (const key of ['name', 'status', 'limit', 'cursor'] as const) {
    const value = values[key];
    if (value !== undefined) query.set(key, value);
  }
  const page = await apiClient(ctx).get<JobDefinitionPage>(
    `/v1/job-definitions${query.size > 0 ? `?${query}` : ''}`,
  );
  if (values.json) return json(ctx, page);
  if (page.jobDefinitions.length === 0) ctx.stderr.write('no job definitions\n');
  else {
    const header = ['DEFINITION', 'STATUS', 'RUNS', 'PARAMETERS', 'REGISTERED'];
    const rows = page.jobDefinitions.map((d) => [
      d.jobDefinition,
      d.status,
      what(d),
      Object.keys(d.parameters).join(','),
      formatTime(d.registeredAt),
    ]);
    ctx.stdout.write(`${table([header, ...rows])}\n`);
  }
  if (page.nextCursor) ctx.stderr.write(`more: gpubatch job-definitions ls --cursor ${page.nextCursor}\n`);
  return EXIT.ok;
}

async function describe(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('job-definitions', args, { json: { type: 'boolean' } }, [
    'describe',
    '<name[:revision]>',
  ]);
  const { name, revision } = definitionRef(positionals[1]!, false);
  const client = apiClient(ctx);
  if (revision !== undefined) {
    const record = await client.get<JobDefinitionRecord>(path(name, revision));
    if (values.json) return json(ctx, record);
    ctx.stdout.write(`${describeLines(record)}\n`);
    return EXIT.ok;
  }
  const page = await client.get<JobDefinitionPage>(path(name));
  if (values.json) return json(ctx, page);
  ctx.stdout.write(`${page.jobDefinitions.map(describeLines).join('\n\n')}\n`);
  if (page.nextCursor)
    ctx.stderr.write(
      `more revisions: gpubatch job-definitions ls --name ${name} --cursor ${page.nextCursor}\n`,
    );
  return EXIT.ok;
}

async function deregister(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('job-definitions', args, { json: { type: 'boolean' } }, [
    'deregister',
    '<name:revision>',
  ]);
  const { name, revision } = definitionRef(positionals[1]!, true);
  const record = await apiClient(ctx).delete<JobDefinitionRecord>(path(name, revision));
  if (values.json) return json(ctx, record);
  ctx.stdout.write(`${record.jobDefinition} ${record.status}\n`);
  return EXIT.ok;
}

const RUN: Record<Subcommand, (args: string[], ctx: CliContext) => Promise<number>> = {
  register,
  ls,
  describe,
  deregister,
};

export async function jobDefinitionsCommand(args: string[], ctx: CliContext): Promise<number> {
  const [sub] = args;
  if (sub === undefined)
    throw new UsageError(`job-definitions: missing <subcommand> (${SUBCOMMANDS.join(', ')})`, USAGE);
  if (!isSubcommand(sub))
    throw new UsageError(
      `job-definitions: unknown subcommand "${sub}"; known: ${SUBCOMMANDS.join(', ')}`,
      USAGE,
    );
  return RUN[sub](args, ctx);
}
