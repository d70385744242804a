// gpubatch compute-environments ls|describe|update: the pools, and their run-time settings (state, maxNodes,
// minNodes).
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
    ['Min nodes', shown(ce.minNodes)],
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
    {
      state: { type: 'string' },
      'max-nodes': { type: 'string' },
      'min-nodes': { type: 'string' },
      json: { type: 'boolean' },
    },
    ['<update>', '<name>'],
  );
  const body: Record<string, unknown> = {};
  if (values.state !== undefined) body.state = values.state.toUpperCase();
  for (const [flag, field] of [
    ['max-nodes', 'maxNodes'],
    ['min-nodes', 'minNodes'],
  ] as const) {
    const value = values[flag];
    if (value === undefined) continue;
    if (value !== 'none' && !/^\d+$/.test(value))
      throw new UsageError(
        `compute-environments: --${flag}: expected a whole number or "none", got "${value}"`,
        USAGE,
      );
    body[field] = value === 'none' ? null : Number(value);
  }
  if (Object.keys(body).length === 0)
    throw new UsageError('compute-environments update: name --state, --max-nodes or --min-nodes', USAGE);
  return print(
    ctx,
    values.json,
    await apiClient(ctx).patch<ComputeEnvironmentView>(path(positionals[1]!), body),
  );
}

/** `2x8xH100` -> {count: 2, gpus: 8, gpuModel: 'H100'}; `3x0`: CPU-only nodes. The server checks ranges. */
function nodeShapes(value: string): Array<Record<string, unknown>> {
  return value.split(',').map((shape) => {
    const match = /^(\d+)x(\d+)(?:x([^,]+))?$/.exec(shape.trim());
    if (!match)
      throw new UsageError(
        `compute-environments: --nodes: expected <count>x<gpus>[x<model>][,...] (e.g. 2x8xH100,1x0), got "${shape}"`,
        USAGE,
      );
    return { count: Number(match[1]), gpus: Number(match[2]), ...(match[3] ? { gpuModel: match[3] } : {}) };
  });
}

/** Only simulated compute environments are created while the service runs; the others are configuration. */
async function create(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'compute-environments',
    args,
    {
      nodes: { type: 'string' },
      'default-seconds': { type: 'string' },
      scorer: { type: 'string' },
      json: { type: 'boolean' },
    },
    ['<create>', '<name>'],
  );
  if (values.nodes === undefined)
    throw new UsageError('compute-environments create: --nodes is required (e.g. --nodes 2x8xH100)', USAGE);
  const seconds = values['default-seconds'];
  if (seconds !== undefined && !Number.isFinite(Number(seconds)))
    throw new UsageError(
      `compute-environments: --default-seconds: expected seconds, got "${seconds}"`,
      USAGE,
    );
  const body = {
    name: positionals[1]!,
    type: 'simulated',
    nodes: nodeShapes(values.nodes),
    ...(seconds !== undefined ? { defaultSeconds: Number(seconds) } : {}),
    ...(values.scorer !== undefined ? { scorer: values.scorer } : {}),
  };
  return print(
    ctx,
    values.json,
    await apiClient(ctx).post<ComputeEnvironmentView>('/v1/compute-environments', body),
  );
}

const SUBCOMMANDS: Record<string, (args: string[], ctx: CliContext) => Promise<number>> = {
  ls,
  describe,
  create,
  update,
};

export async function computeEnvironmentsCommand(args: string[], ctx: CliContext): Promise<number> {
  const sub = SUBCOMMANDS[args[0] ?? ''];
  if (!sub)
    throw new UsageError(
      `compute-environments: unknown subcommand "${args[0] ?? ''}"; expected ls, describe, create or update`,
      USAGE,
    );
  return sub(args, ctx);
}
