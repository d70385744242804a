// gpubatch submit <file> [--wait] [--json] [array and dependency flags]
import type { JobRecord } from '../../scheduler/job-record.ts';
import { parseCommandArgs } from '../args.ts';
import { ARRAY_FLAG_OPTIONS, arrayFlagFields } from '../array-flags.ts';
import { apiClient } from '../client.ts';
import type { CliContext } from '../context.ts';
import { EXIT } from '../errors.ts';
import { formatDuration } from '../format.ts';
import { loadSpecFile } from '../spec-file.ts';
import { waitForJob } from '../wait.ts';

function outcomeLine(job: JobRecord): string {
  const took = job.startedAt && job.stoppedAt ? ` in ${formatDuration(job.stoppedAt - job.startedAt)}` : '';
  const summary = job.arrayProperties?.statusSummary;
  if (summary) {
    const children = `${summary.SUCCEEDED ?? 0} of ${job.arrayProperties?.size} children succeeded`;
    return `${job.id} ${job.status}${took}: ${children}${job.status === 'FAILED' ? `, ${summary.FAILED ?? 0} failed` : ''}`;
  }
  if (job.status === 'SUCCEEDED') {
    const output = job.result ? `: output ${job.result.output} (${job.result.rows} rows)` : '';
    return `${job.id} SUCCEEDED${took}${output}`;
  }
  return `${job.id} FAILED${took}: ${job.statusReason}`;
}

export async function submitCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'submit',
    args,
    { wait: { type: 'boolean' }, json: { type: 'boolean' }, ...ARRAY_FLAG_OPTIONS },
    ['<file>'],
  );
  const file = positionals[0]!;
  const spec = await loadSpecFile(file, ctx.cwd, (fromFile) => arrayFlagFields(values, fromFile));
  const client = apiClient(ctx);

  // 201 (created) and 200 (an idempotency key matched an earlier job) both carry the record.
  const submitted = await client.post<JobRecord>('/v1/jobs', spec);
  if (!values.wait) {
    ctx.stdout.write(values.json ? `${JSON.stringify(submitted, null, 2)}\n` : `${submitted.id}\n`);
    return EXIT.ok;
  }

  if (!values.json) ctx.stdout.write(`${submitted.id}\n`);
  const finished = await waitForJob(client, submitted.id, ctx);
  if (values.json) ctx.stdout.write(`${JSON.stringify(finished, null, 2)}\n`);
  ctx.stderr.write(`${outcomeLine(finished)}\n`);
  return finished.status === 'SUCCEEDED' ? EXIT.ok : EXIT.failure;
}
