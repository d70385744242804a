// gpubatch retry-failed <id> [--json]: re-run the FAILED children of a finished array job.
import type { JobRecord } from '../../scheduler/job-record.ts';
import { parseCommandArgs } from '../args.ts';
import { apiClient } from '../client.ts';
import type { CliContext } from '../context.ts';
import { EXIT } from '../errors.ts';

export async function retryFailedCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs('retry-failed', args, { json: { type: 'boolean' } }, [
    '<id>',
  ]);
  const id = positionals[0]!;
  const job = await apiClient(ctx).post<JobRecord>(`/v1/jobs/${encodeURIComponent(id)}/retry-failed`, {});
  ctx.stdout.write(
    values.json ? `${JSON.stringify(job, null, 2)}\n` : `${job.id} ${job.status}: ${job.statusReason}\n`,
  );
  return EXIT.ok;
}
