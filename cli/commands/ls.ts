// gpubatch ls [--queue q] [--status S] [--limit n] [--cursor c] [--json]
import type { JobPage } from '../../api/job-service.ts';
import type { JobRecord } from '../../scheduler/job-record.ts';
import { parseCommandArgs } from '../args.ts';
import { apiClient } from '../client.ts';
import type { CliContext } from '../context.ts';
import { EXIT } from '../errors.ts';
import { formatTime, percent, table } from '../format.ts';

function row(job: JobRecord): string[] {
  return [
    job.id,
    job.spec.name,
    job.spec.queue,
    job.spec.kind,
    job.status,
    job.progress ? `${percent(job.progress)}%` : '',
    formatTime(job.createdAt),
  ];
}

export async function lsCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs(
    'ls',
    args,
    {
      queue: { type: 'string' },
      status: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      json: { type: 'boolean' },
    },
    [],
  );
  const query = new URLSearchParams();
  for (const key of ['queue', 'status', 'limit', 'cursor'] as const) {
    const value = values[key];
    if (value !== undefined) query.set(key, value);
  }
  const page = await apiClient(ctx).get<JobPage>(`/v1/jobs${query.size > 0 ? `?${query}` : ''}`);

  if (values.json) {
    ctx.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
    return EXIT.ok;
  }
  if (page.jobs.length === 0) {
    ctx.stderr.write('no jobs\n');
  } else {
    const header = ['ID', 'NAME', 'QUEUE', 'KIND', 'STATUS', 'PROGRESS', 'CREATED'];
    ctx.stdout.write(`${table([header, ...page.jobs.map(row)])}\n`);
  }
  if (page.nextCursor) ctx.stderr.write(`more: gpubatch ls --cursor ${page.nextCursor}\n`);
  return EXIT.ok;
}
