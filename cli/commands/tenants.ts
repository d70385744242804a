// gpubatch tenants ls|describe|set: which queues each tenant may use and how many jobs it may have
// waiting (/v1/admin/tenants; admins only).
import type { TenantView } from '../../api/tenant-registry.ts';
import { parseCommandArgs } from '../args.ts';
import { apiClient } from '../client.ts';
import type { CliContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { table } from '../format.ts';
import { COMMAND_USAGE } from '../usage.ts';

const USAGE = COMMAND_USAGE.tenants;

const path = (name: string) => `/v1/admin/tenants/${encodeURIComponent(name)}`;

const queuesText = (t: TenantView) => (t.queues === undefined ? 'all' : t.queues.join(',') || '(none)');
const limitText = (t: TenantView) => (t.maxQueuedJobs === undefined ? '-' : String(t.maxQueuedJobs));

function describeLines(t: TenantView): string {
  const rows = [
    ['Tenant', t.name],
    ['Queues', queuesText(t)],
    ['Max queued jobs', limitText(t)],
    ['Queued jobs', String(t.queuedJobs)],
  ];
  return rows.map(([field, value]) => `${field!.padEnd(16)} ${value}`).join('\n');
}

function print(ctx: CliContext, json: boolean | undefined, tenant: TenantView): number {
  ctx.stdout.write(json ? `${JSON.stringify(tenant, null, 2)}\n` : `${describeLines(tenant)}\n`);
  return EXIT.ok;
}

async function ls(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs('tenants', args, { json: { type: 'boolean' } }, ['<ls>']);
  const { tenants } = await apiClient(ctx).get<{ tenants: TenantView[] }>('/v1/admin/tenants');
  if (values.json) {
    ctx.stdout.write(`${JSON.stringify(tenants, null, 2)}\n`);
    return EXIT.ok;
  }
  const rows = [['NAME', 'QUEUES', 'MAX QUEUED', 'QUEUED']];
  for (const t of tenants) rows.push([t.name, queuesText(t), limitText(t), String(t.queuedJobs)]);
  ctx.stdout.write(`${table(rows)}\n`);
  return EXIT.ok;
}

async function describe(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('tenants', args, { json: { type: 'boolean' } }, [
    '<describe>',
    '<name>',
  ]);
  return print(ctx, values.json, await apiClient(ctx).get<TenantView>(path(positionals[1]!)));
}

/** --queues a,b (or "all": no list); --max-queued n (or "none": no limit). */
function queuesOption(value: string): string[] | undefined {
  if (value === 'all') return undefined;
  const names = value.split(',').map((name) => name.trim());
  if (names.some((name) => name === ''))
    throw new UsageError(`tenants set: --queues: expected a,b,... or "all", got "${value}"`, USAGE);
  return names;
}

function maxQueuedOption(value: string): number | undefined {
  if (value === 'none') return undefined;
  if (!/^\d+$/.test(value))
    throw new UsageError(
      `tenants set: --max-queued: expected a whole number or "none", got "${value}"`,
      USAGE,
    );
  return Number(value);
}

/** Changes only the settings named (the others are read first and sent back as they were). */
async function set(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'tenants',
    args,
    { queues: { type: 'string' }, 'max-queued': { type: 'string' }, json: { type: 'boolean' } },
    ['<set>', '<name>'],
  );
  if (values.queues === undefined && values['max-queued'] === undefined)
    throw new UsageError('tenants set: name at least one of --queues, --max-queued', USAGE);
  const client = apiClient(ctx);
  const name = positionals[1]!;
  const current = await client.get<TenantView>(path(name));
  const queues = values.queues === undefined ? current.queues : queuesOption(values.queues);
  const maxQueuedJobs =
    values['max-queued'] === undefined ? current.maxQueuedJobs : maxQueuedOption(values['max-queued']);
  const body = {
    ...(queues !== undefined ? { queues } : {}),
    ...(maxQueuedJobs !== undefined ? { maxQueuedJobs } : {}),
  };
  return print(ctx, values.json, await client.put<TenantView>(path(name), body));
}

const SUBCOMMANDS: Record<string, (args: string[], ctx: CliContext) => Promise<number>> = {
  ls,
  describe,
  set,
};

export async function tenantsCommand(args: string[], ctx: CliContext): Promise<number> {
  const sub = SUBCOMMANDS[args[0] ?? ''];
  if (!sub)
    throw new UsageError(
      `tenants: unknown subcommand "${args[0] ?? ''}"; expected ls, describe or set`,
      USAGE,
    );
  return sub(args, ctx);
}
