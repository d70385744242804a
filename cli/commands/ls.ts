// gpubatch ls [--queue q] [--status S] [--name prefix] [--share s] [--created-after t] [--created-before t]
//             [--limit n] [--cursor c | --all] [--json]
import type { JobPage } from '../../api/job-service.ts';
import type { JobRecord } from '../../scheduler/job-record.ts';
import { parseCommandArgs } from '../args.ts';
import { apiClient } from '../client.ts';
import type { CliContext } from '../context.ts';
import { EXIT } from '../errors.ts';
import { formatTime, percent, table } from '../format.ts';

/** CLI flag -> query parameter (the server validates the values and names the parameter on a 400). */
export const FILTERS = {
  queue: 'queue',
  status: 'status',
  name: 'name',
  share: 'share',
  'created-after': 'createdAfter',
  'created-before': 'createdBefore',
  limit: 'limit',
} as const;

/** The filter flags as parseArgs options (ls and watch take the same ones). */
export const FILTER_OPTIONS = {
  queue: { type: 'string' },
  status: { type: 'string' },
  name: { type: 'string' },
  share: { type: 'string' },
  'created-after': { type: 'string' },
  'created-before': { type: 'string' },
  limit: { type: 'string' },
} as const;

/** --all stops after this many pages, so a typo in a filter cannot page through millions of jobs unnoticed. */
const MAX_PAGES = 10_000;

/** The value as one shell word, quoted when it holds anything a shell would act on (such as `train*`). */
function shellWord(value: string): string {
  return /^[A-Za-z0-9._:/+-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}

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
      ...FILTER_OPTIONS,
      cursor: { type: 'string' },
      all: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    [],
  );
  const query = new URLSearchParams();
  const repeat: string[] = []; // the same filters, for the "next page" hint
  for (const [flag, param] of Object.entries(FILTERS)) {
    const value = values[flag as keyof typeof FILTERS];
    if (value === undefined) continue;
    query.set(param, value);
    repeat.push(`--${flag} ${shellWord(value)}`);
  }
  const client = apiClient(ctx);
  const jobs: JobRecord[] = [];
  let cursor = values.cursor;
  let next: string | undefined;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    if (cursor) query.set('cursor', cursor);
    const page = await client.get<JobPage>(`/v1/jobs${query.size > 0 ? `?${query}` : ''}`);
    jobs.push(...page.jobs);
    next = page.nextCursor;
    if (!values.all || !next) break;
    cursor = next;
  }

  if (values.json) {
    ctx.stdout.write(`${JSON.stringify(next ? { jobs, nextCursor: next } : { jobs }, null, 2)}\n`);
    return EXIT.ok;
  }
  if (jobs.length === 0) {
    ctx.stderr.write(next ? 'no jobs on this page\n' : 'no jobs\n');
  } else {
    const header = ['ID', 'NAME', 'QUEUE', 'KIND', 'STATUS', 'PROGRESS', 'CREATED'];
    ctx.stdout.write(`${table([header, ...jobs.map(row)])}\n`);
  }
  if (next) {
    ctx.stderr.write(`next cursor: ${next}\n`);
    ctx.stderr.write(`more: gpubatch ls ${[...repeat, `--cursor ${next}`].join(' ')}\n`);
  }
  return EXIT.ok;
}
