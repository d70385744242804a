// gpubatch keys create --tenant <t> [--role admin|submitter] [--json] | keys delete <accessKeyId>: access keys for the
// AWS-Batch-compatible endpoint.
import type { AccessKeyRecord } from '../../api/aws/context.ts';
import { parseCommandArgs } from '../args.ts';
import { apiClient } from '../client.ts';
import type { CliContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { COMMAND_USAGE } from '../usage.ts';

async function create(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs(
    'keys',
    args,
    { tenant: { type: 'string' }, role: { type: 'string' }, json: { type: 'boolean' } },
    ['<create>'],
  );
  if (values.tenant === undefined)
    throw new UsageError('keys create: --tenant is required', COMMAND_USAGE.keys);
  if (values.role !== undefined && values.role !== 'admin' && values.role !== 'submitter')
    throw new UsageError(
      `keys create: --role must be admin or submitter, got "${values.role}"`,
      COMMAND_USAGE.keys,
    );
  const key = await apiClient(ctx).post<AccessKeyRecord>('/v1/admin/access-keys', {
    tenant: values.tenant,
    ...(values.role ? { role: values.role } : {}),
  });
  // The secret is shown once: the server never returns it again.
  ctx.stdout.write(
    values.json
      ? `${JSON.stringify({ accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey })}\n`
      : `tenant             ${key.tenant}\nrole               ${key.role}\naccess key id      ${key.accessKeyId}\nsecret access key  ${key.secretAccessKey}\n(shown once; keep it safe)\n`,
  );
  return EXIT.ok;
}

async function remove(args: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parseCommandArgs('keys', args, {}, ['<delete>', '<accessKeyId>']);
  const id = positionals[1]!;
  await apiClient(ctx).delete(`/v1/admin/access-keys/${encodeURIComponent(id)}`);
  ctx.stdout.write(`${id} revoked\n`);
  return EXIT.ok;
}

export async function keysCommand(args: string[], ctx: CliContext): Promise<number> {
  const sub = args[0];
  if (sub === 'create') return create(args, ctx);
  if (sub === 'delete') return remove(args, ctx);
  throw new UsageError(
    `keys: unknown subcommand "${sub ?? ''}"; expected create or delete`,
    COMMAND_USAGE.keys,
  );
}
