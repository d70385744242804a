// gpubatch tokens create --role R --tenant T [--name N] [--json] | tokens ls [--json] | tokens revoke <id>:
// bearer API tokens, over /v1/admin/tokens (admin only).
import type { ApiTokenRecord, CreatedApiToken } from '../../api/api-tokens.ts';
import { ROLES } from '../../api/principal.ts';
import { parseCommandArgs } from '../args.ts';
import { apiClient } from '../client.ts';
import type { CliContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { COMMAND_USAGE } from '../usage.ts';

const usage = COMMAND_USAGE.tokens;

async function create(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs(
    'tokens',
    args,
    {
      role: { type: 'string' },
      tenant: { type: 'string' },
      name: { type: 'string' },
      json: { type: 'boolean' },
    },
    ['<create>'],
  );
  if (values.role === undefined) throw new UsageError('tokens create: --role is required', usage);
  if (!(ROLES as readonly string[]).includes(values.role))
    throw new UsageError(
      `tokens create: --role must be one of ${ROLES.join(', ')}; got "${values.role}"`,
      usage,
    );
  if (values.tenant === undefined) throw new UsageError('tokens create: --tenant is required', usage);
  const created = await apiClient(ctx).post<CreatedApiToken>('/v1/admin/tokens', {
    role: values.role,
    tenant: values.tenant,
    ...(values.name === undefined ? {} : { name: values.name }),
  });
  // The token is shown once: the server keeps only its hash.
  ctx.stdout.write(
    values.json
      ? `${JSON.stringify(created)}\n`
      : `id      ${created.id}\nrole    ${created.role}\ntenant  ${created.tenant}\ntoken   ${created.token}\n(shown once; keep it safe)\n`,
  );
  return EXIT.ok;
}

function row(cells: string[], widths: number[]): string {
  return `${cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`.trimEnd();
}

async function list(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs('tokens', args, { json: { type: 'boolean' } }, ['<ls>']);
  const { tokens } = await apiClient(ctx).get<{ tokens: ApiTokenRecord[] }>('/v1/admin/tokens');
  if (values.json) {
    ctx.stdout.write(`${JSON.stringify(tokens)}\n`);
    return EXIT.ok;
  }
  const rows = [
    ['ID', 'ROLE', 'TENANT', 'CREATED', 'REVOKED', 'NAME'],
    ...tokens.map((t) => [
      t.id,
      t.role,
      t.tenant,
      new Date(t.createdAt).toISOString(),
      t.revokedAt === undefined ? '-' : new Date(t.revokedAt).toISOString(),
      t.name,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  ctx.stdout.write(`${rows.map((r) => row(r, widths)).join('\n')}\n`);
  return EXIT.ok;
}

async function revoke(args: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parseCommandArgs('tokens', args, {}, ['<revoke>', '<id>']);
  const id = positionals[1]!;
  await apiClient(ctx).delete(`/v1/admin/tokens/${encodeURIComponent(id)}`);
  ctx.stdout.write(`${id} revoked\n`);
  return EXIT.ok;
}

export async function tokensCommand(args: string[], ctx: CliContext): Promise<number> {
  const sub = args[0];
  if (sub === 'create') return create(args, ctx);
  if (sub === 'ls') return list(args, ctx);
  if (sub === 'revoke') return revoke(args, ctx);
  throw new UsageError(`tokens: unknown subcommand "${sub ?? ''}"; expected create, ls or revoke`, usage);
}
