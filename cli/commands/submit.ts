// gpubatch submit <file> [array and dependency flags] | --definition name[:rev] [--param k=v]... [--wait] [--json]
import type { JobRecord } from '../../scheduler/job-record.ts';
import { parseCommandArgs } from '../args.ts';
import { ARRAY_FLAG_OPTIONS, arrayFlagFields } from '../array-flags.ts';
import { apiClient } from '../client.ts';
import type { CliContext } from '../context.ts';
import { definitionSubmission } from '../definition-submission.ts';
import { EXIT, UsageError } from '../errors.ts';
import { formatDuration } from '../format.ts';
import { loadSpecFile } from '../spec-file.ts';
import { COMMAND_USAGE } from '../usage.ts';
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
  // With --definition the job spec comes from the server's job definition, so there is no file.
  const byDefinition = args.some((arg) => arg === '--definition' || arg.startsWith('--definition='));
  const { values, positionals } = parseCommandArgs(
    'submit',
    args,
    {
      wait: { type: 'boolean' },
      json: { type: 'boolean' },
      definition: { type: 'string' },
      param: { type: 'string', multiple: true },
      name: { type: 'string' },
      queue: { type: 'string' },
      ...ARRAY_FLAG_OPTIONS,
    },
    byDefinition ? [] : ['<file>'],
  );
  if (!byDefinition && (values.param || values.name !== undefined || values.queue !== undefined)) {
    throw new UsageError('submit: --param, --name and --queue go with --definition', COMMAND_USAGE.submit);
  }
  const arrayFlags = Object.keys(ARRAY_FLAG_OPTIONS).filter(
    (flag) => values[flag as keyof typeof values] !== undefined,
  );
  if (byDefinition && arrayFlags.length > 0) {
    throw new UsageError(
      `submit: --${arrayFlags[0]} goes with a spec file, not --definition (array jobs and dependencies are set in the file)`,
      COMMAND_USAGE.submit,
    );
  }
  const spec = byDefinition
    ? definitionSubmission({ ...values, definition: values.definition! })
    : await loadSpecFile(positionals[0]!, ctx.cwd, (fromFile) => arrayFlagFields(values, fromFile));
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
