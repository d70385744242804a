// gpubatch compute-environments ls|describe|update: the pools, and their run-time settings (state, maxNodes).
import type { ComputeEnvironmentView } from '../../api/job-service.ts';
import { parseCommandArgs } from '../args.ts';
import { apiClient } from '../client.ts';
import type { CliContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { table } from '../format.ts';
import { COMMAND_USAGE } from '../usage.ts';

const USAGE = COMMAND_USAGE['compute-environments'];
const path = (name: string) => `/v1/compute-environments/${encodeURIComponent(name)}`;
const shown = (value: number | null | undefined) =>
  value === undefined || value === null ? '-' : String(value);

function describeLines(ce: ComputeEnvironmentView): string {
  const rows = [
    ['Compute environment', ce.name],
    ['Type', ce.type],
    ['State', ce.state ?? 'ENABLED'],
    ['Max nodes', shown(ce.maxNodes)],
    ['Queues', ce.queues.join(', ') || '-'],
    ['Nodes', `${shown(ce.nodes)} (${shown(ce.schedulableNodes)} schedulable, ${shown(ce.gpus)} GPUs)`],
    ['Nodes wanted', shown(ce.nodesWanted)],
  ];
  return rows.map(([field, value]) => `${field!.padEnd(20)} ${value}`).join('\n');
}

function print(ctx: CliContext, json: boolean | undefined, ce: ComputeEnvironmentView): number {
  ctx.stdout.write(json ? `${JSON.stringify(ce, null, 2)}\n` : `${describeLines(ce)}\n`);
  return EXIT.ok;
}

async function ls(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs('compute-environments', args, { json: { type: 'boolean' } }, ['<ls>']);
  const { computeEnvironments } = await apiClient(ctx).get<{ computeEnvironments: ComputeEnvironmentView[] }>(
    '/v1/compute-environments',
  );
  if (values.json) {
    ctx.stdout.write(`${JSON.stringify(computeEnvironments, null, 2)}\n`);
    return EXIT.ok;
  }
  const rows = [['NAME', 'TYPE', 'STATE', 'MAX NODES', 'NODES', 'QUEUES']];
  for (const ce of computeEnvironments)
    rows.push([
      ce.name,
      ce.type,
      ce.state ?? 'ENABLED',
      shown(ce.maxNodes),
      shown(ce.nodes),
      ce.queues.join(','),
    ]);
  ctx.stdout.write(`${table(rows)}\n`);
  return EXIT.ok;
}

async function describe(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'compute-environments',
    args,
    { json: { type: 'boolean' } },
    ['<describe>', '<name>'],
  );
  return print(ctx, values.json, await apiClient(ctx).get<ComputeEnvironmentView>(path(positionals[1]!)));
}

async function update(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'compute-environments',
    args,
    { state: { type: 'string' }, 'max-nodes': { type: 'string' }, json: { type: 'boolean' } },
    ['<update>', '<name>'],
  );
  const body: Record<string, unknown> = {};
  if (values.state !== undefined) body.state = values.state.toUpperCase();
  const maxNodes = values['max-nodes'];
  if (maxNodes !== undefined) {
    if (maxNodes !== 'none' && !/^\d+$/.test(maxNodes))
      throw new UsageError(
        `compute-environments: --max-nodes: expected a whole number or "none", got "${maxNodes}"`,
        USAGE,
      );
    body.maxNodes = maxNodes === 'none' ? null : Number(maxNodes);
  }
  if (Object.keys(body).length === 0)
    throw new UsageError('compute-environments update: name --state or --max-nodes', USAGE);
  return print(
    ctx,
    values.json,
    await apiClient(ctx).patch<ComputeEnvironmentView>(path(positionals[1]!), body),
  );
}

const SUBCOMMANDS: Record<string, (args: string[], ctx: CliContext) => Promise<number>> = {
  ls,
  describe,
  update,
};

export async function computeEnvironmentsCommand(args: string[], ctx: CliContext): Promise<number> {
  const sub = SUBCOMMANDS[args[0] ?? ''];
  if (!sub)
    throw new UsageError(
      `compute-environments: unknown subcommand "${args[0] ?? ''}"; expected ls, describe or update`,
      USAGE,
    );
  return sub(args, ctx);
}
