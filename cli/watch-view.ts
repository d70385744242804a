// What `gpubatch watch` draws: a table frame (for a terminal) and change lines (for logs and pipes).
import type { JobRecord, JobStatus } from '../scheduler/job-record.ts';
import { progressBar, table } from './format.ts';

/** ANSI colours per status; only used on a terminal without NO_COLOR. */
export const STATUS_COLOUR: Record<JobStatus, string> = {
  SUBMITTED: '\x1b[2m',
  PENDING: '\x1b[33m',
  RUNNABLE: '\x1b[33m',
  STARTING: '\x1b[36m',
  RUNNING: '\x1b[36m',
  SUCCEEDED: '\x1b[32m',
  FAILED: '\x1b[31m',
};
export const RESET = '\x1b[0m';

const BAR_WIDTH = 10;

function progressCell(job: JobRecord): string {
  return job.progress ? progressBar(job.progress, BAR_WIDTH) : '';
}

/** The table, one row per job; colour wraps the padded status cell so the columns stay aligned. */
export function watchFrame(jobs: readonly JobRecord[], colour: boolean): string[] {
  const header = ['ID', 'NAME', 'QUEUE', 'STATUS', 'PROGRESS'];
  const rows = jobs.map((job) => [job.id, job.spec.name, job.spec.queue, job.status, progressCell(job)]);
  const lines = table([header, ...rows]).split('\n');
  if (!colour) return lines;
  const statusStart = lines[0]?.indexOf('STATUS') ?? 0;
  const statusWidth = Math.max(...[header, ...rows].map((row) => (row[3] ?? '').length));
  return lines.map((line, index) => {
    const job = jobs[index - 1];
    if (!job) return line;
    const end = statusStart + statusWidth;
    return `${line.slice(0, statusStart)}${STATUS_COLOUR[job.status]}${line.slice(statusStart, end)}${RESET}${line.slice(end)}`;
  });
}

/** What a line reports about a job: it changes when the status or the done count does. */
function changeKey(job: JobRecord): string {
  return `${job.status} ${job.progress ? `${job.progress.done}/${job.progress.total}` : ''}`;
}

/** "job-1 train RUNNING 50% 5/10": one line per job that is new or changed since `seen`, which it updates. */
export function changeLines(jobs: readonly JobRecord[], seen: Map<string, string>): string[] {
  const lines: string[] = [];
  for (const job of jobs) {
    const key = changeKey(job);
    if (seen.get(job.id) === key) continue;
    seen.set(job.id, key);
    const progress = job.progress ? ` ${progressBar(job.progress, BAR_WIDTH)}` : '';
    const reason = job.statusReason ? ` (${job.statusReason})` : '';
    lines.push(`${job.id} ${job.spec.name} ${job.status}${reason}${progress}`);
  }
  return lines;
}
