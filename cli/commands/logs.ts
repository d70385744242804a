// gpubatch logs <id> [-f|--follow] [--attempt N] [--tail N]: an attempt's log, streamed to stdout.
import { parseCommandArgs } from '../args.ts';
import { apiClient } from '../client.ts';
import type { CliContext } from '../context.ts';
import { CliError, EXIT, UsageError } from '../errors.ts';
import { COMMAND_USAGE } from '../usage.ts';

/** Why there is no log, in the user's terms: the server's 501 only says the executor keeps none. */
const NO_LOGS =
  'this service keeps no job logs: its executor is the local one, whose runners write their output ' +
  "to the service's own log (look there); `gpubatch logs` works with the Kubernetes executor";

function positiveInteger(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`logs: --${flag} must be a whole number from 1, not "${raw}"`, COMMAND_USAGE.logs);
  return value;
}

export async function logsCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'logs',
    args,
    {
      follow: { type: 'boolean', short: 'f' },
      attempt: { type: 'string' },
      tail: { type: 'string' },
    },
    ['<id>'],
  );
  const id = positionals[0] as string;
  const query = new URLSearchParams();
  if (values.follow) query.set('follow', 'true');
  const attempt = positiveInteger('attempt', values.attempt);
  if (attempt !== undefined) query.set('attempt', String(attempt));
  const tail = positiveInteger('tail', values.tail);
  if (tail !== undefined) query.set('tailLines', String(tail));

  const path = `/v1/jobs/${encodeURIComponent(id)}/logs${query.size > 0 ? `?${query}` : ''}`;
  try {
    await apiClient(ctx).streamText(path, (text) => ctx.stdout.write(text));
  } catch (error) {
    if (error instanceof CliError && error.message.includes('(501)')) throw new CliError(NO_LOGS, EXIT.usage);
    throw error;
  }
  return EXIT.ok;
}
