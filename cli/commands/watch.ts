// gpubatch watch [ls filters] [--interval ms] [--once]: a live job table on a terminal, change lines elsewhere.
import type { JobPage } from '../../api/job-service.ts';
import { type JobRecord, TERMINAL_STATUSES } from '../../scheduler/job-record.ts';
import { parseCommandArgs } from '../args.ts';
import { apiClient } from '../client.ts';
import { type CliContext, sleeperOf } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { COMMAND_USAGE } from '../usage.ts';
import { changeLines, watchFrame } from '../watch-view.ts';
import { FILTER_OPTIONS, FILTERS } from './ls.ts';

const DEFAULT_INTERVAL_MS = 1000;
/** Faster polling than this only loads the server; the table cannot be read that fast anyway. */
const MIN_INTERVAL_MS = 100;

const isFinished = (job: JobRecord) => TERMINAL_STATUSES.includes(job.status);

function intervalOf(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_INTERVAL_MS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < MIN_INTERVAL_MS)
    throw new UsageError(
      `watch: --interval must be a whole number of milliseconds from ${MIN_INTERVAL_MS}, not "${raw}"`,
      COMMAND_USAGE.watch,
    );
  return value;
}

function footer(jobs: readonly JobRecord[], intervalMs: number, once: boolean): string {
  const finished = jobs.filter(isFinished).length;
  const running = jobs.filter((job) => job.status === 'RUNNING').length;
  const counts = `${jobs.length} jobs: ${running} running, ${finished} finished`;
  return once ? counts : `${counts}  (every ${intervalMs}ms; Ctrl-C stops)`;
}

export async function watchCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs(
    'watch',
    args,
    {
      ...FILTER_OPTIONS,
      interval: { type: 'string' },
      once: { type: 'boolean' },
    },
    [],
  );
  const intervalMs = intervalOf(values.interval);
  const once = values.once === true;
  const query = new URLSearchParams();
  for (const [flag, param] of Object.entries(FILTERS)) {
    const value = values[flag as keyof typeof FILTERS];
    if (value !== undefined) query.set(param, value);
  }
  const path = `/v1/jobs${query.size > 0 ? `?${query}` : ''}`;
  const terminal = ctx.stdoutIsTTY === true;
  const colour = terminal && !ctx.env['NO_COLOR'];
  const client = apiClient(ctx);
  const sleep = sleeperOf(ctx);
  const seen = new Map<string, string>();
  let drawnLines = 0;

  for (;;) {
    const { jobs } = await client.get<JobPage>(path);
    if (jobs.length === 0) {
      ctx.stderr.write('no jobs match\n');
      return EXIT.ok;
    }
    if (terminal) {
      const frame = [...watchFrame(jobs, colour), footer(jobs, intervalMs, once)];
      // Move up over the last frame and clear to the end of the screen, then draw the new one.
      const rewind = drawnLines > 0 ? `\x1b[${drawnLines}A\x1b[J` : '';
      ctx.stdout.write(`${rewind}${frame.join('\n')}\n`);
      drawnLines = frame.length;
    } else if (once) {
      ctx.stdout.write(`${watchFrame(jobs, false).join('\n')}\n`);
    } else {
      for (const line of changeLines(jobs, seen)) ctx.stdout.write(`${line}\n`);
    }
    if (once || jobs.every(isFinished)) return EXIT.ok;
    await sleep(intervalMs);
  }
}
