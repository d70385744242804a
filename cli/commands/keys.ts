// gpubatch keys create --tenant <t> [--json]: an access key for the AWS-Batch-compatible endpoint.
import type { AccessKeyRecord } from '../../api/aws/context.ts';
import { parseCommandArgs } from '../args.ts';
import { apiClient } from '../client.ts';
import type { CliContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { COMMAND_USAGE } from '../usage.ts';

export async function keysCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'keys',
    args,
    { tenant: { type: 'string' }, json: { type: 'boolean' } },
    ['<create>'],
  );
  if (positionals[0] !== 'create')
    throw new UsageError(`keys: unknown subcommand "${positionals[0]}"; expected create`, COMMAND_USAGE.keys);
  if (values.tenant === undefined)
    throw new UsageError('keys create: --tenant is required', COMMAND_USAGE.keys);
  const key = await apiClient(ctx).post<AccessKeyRecord>('/v1/admin/access-keys', { tenant: values.tenant });
  // The secret is shown once: the server never returns it again.
  ctx.stdout.write(
    values.json
      ? `${JSON.stringify({ accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey })}\n`
      : `tenant             ${key.tenant}\naccess key id      ${key.accessKeyId}\nsecret access key  ${key.secretAccessKey}\n(shown once; keep it safe)\n`,
  );
  return EXIT.ok;
}
