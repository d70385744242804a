// gpubatch terminate <id> [--reason <text>] [--json]: stops a job whatever its state, running attempt included.
import { type JobRecord, TERMINAL_STATUSES } from '../../scheduler/job-record.ts';
import { parseCommandArgs } from '../args.ts';
import { apiClient } from '../client.ts';
import type { CliContext } from '../context.ts';
import { EXIT } from '../errors.ts';

/** A STARTING or RUNNING job is only asked to stop; the scheduler records FAILED once its attempt ends. */
function outcome(job: JobRecord): string {
  if (job.terminateRequested && !TERMINAL_STATUSES.includes(job.status)) {
    return `${job.id} ${job.status}: terminate requested (${job.terminateRequested.reason}); the attempt is being stopped`;
  }
  return `${job.id} ${job.status}: ${job.statusReason}`;
}

export async function terminateCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'terminate',
    args,
    { reason: { type: 'string' }, json: { type: 'boolean' } },
    ['<id>'],
  );
  const id = positionals[0]!;
  const body = values.reason === undefined ? {} : { reason: values.reason };
  const job = await apiClient(ctx).post<JobRecord>(`/v1/jobs/${encodeURIComponent(id)}/terminate`, body);
  ctx.stdout.write(values.json ? `${JSON.stringify(job, null, 2)}\n` : `${outcome(job)}\n`);
  return EXIT.ok;
}
