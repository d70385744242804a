// gpubatch cancel <id> [--reason <text>] [--json]: only a job that has not started; see terminate.
import type { JobRecord } from '../../scheduler/job-record.ts';
import { parseCommandArgs } from '../args.ts';
import { apiClient } from '../client.ts';
import type { CliContext } from '../context.ts';
import { EXIT } from '../errors.ts';

export async function cancelCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'cancel',
    args,
    { reason: { type: 'string' }, json: { type: 'boolean' } },
    ['<id>'],
  );
  const id = positionals[0]!;
  const body = values.reason === undefined ? {} : { reason: values.reason };
  // A STARTING or RUNNING job is a 409 whose detail says to use terminate; the client prints it (exit 2).
  const job = await apiClient(ctx).post<JobRecord>(`/v1/jobs/${encodeURIComponent(id)}/cancel`, body);
  ctx.stdout.write(
    values.json ? `${JSON.stringify(job, null, 2)}\n` : `${job.id} ${job.status}: ${job.statusReason}\n`,
  );
  return EXIT.ok;
}
