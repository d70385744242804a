// Polls a job until it ends, showing a progress bar on a terminal and status changes as lines elsewhere.
import { type JobRecord, TERMINAL_STATUSES } from '../scheduler/job-record.ts';
import type { ApiClient } from './client.ts';
import { type CliContext, type Output, sleeperOf } from './context.ts';
import { ServerUnreachableError } from './errors.ts';
import { progressBar } from './format.ts';

export const POLL_INTERVAL_MS = 500;
/** A restarting server is normal (jobs survive restarts); keep waiting through an outage this long. */
export const OUTAGE_TOLERANCE_MS = 60_000;

interface Reporter {
  update(job: JobRecord): void;
  finish(): void;
}

function statusLine(job: JobRecord): string {
  return job.statusReason ? `${job.id} ${job.status}: ${job.statusReason}` : `${job.id} ${job.status}`;
}

/** Rewrites one line in place: "RUNNING [#####-----]  50%  5/10". */
function terminalReporter(out: Output): Reporter {
  let drawn = false;
  return {
    update(job) {
      const progress = job.progress ? `  ${progressBar(job.progress)}` : '';
      out.write(`\r\x1b[2K${job.id} ${job.status}${progress}`);
      drawn = true;
    },
    finish() {
      if (drawn) out.write('\n');
    },
  };
}

/** For logs: one line per status change, nothing while the status stays the same. */
function lineReporter(out: Output): Reporter {
  let lastStatus: string | undefined;
  return {
    update(job) {
      if (job.status === lastStatus) return;
      lastStatus = job.status;
      out.write(`${statusLine(job)}\n`);
    },
    finish() {},
  };
}

export async function waitForJob(client: ApiClient, id: string, ctx: CliContext): Promise<JobRecord> {
  const reporter = ctx.isTTY ? terminalReporter(ctx.stderr) : lineReporter(ctx.stderr);
  const sleep = sleeperOf(ctx);
  try {
    let unreachableFor = 0;
    for (;;) {
      let job: JobRecord;
      try {
        job = await client.get<JobRecord>(`/v1/jobs/${encodeURIComponent(id)}`);
        unreachableFor = 0;
      } catch (error) {
        if (!(error instanceof ServerUnreachableError) || unreachableFor >= OUTAGE_TOLERANCE_MS) throw error;
        if (unreachableFor === 0) ctx.stderr.write(`${id}: server not answering; still waiting\n`);
        unreachableFor += POLL_INTERVAL_MS;
        await sleep(POLL_INTERVAL_MS);
        continue;
      }
      reporter.update(job);
      if (TERMINAL_STATUSES.includes(job.status)) return job;
      await sleep(POLL_INTERVAL_MS);
    }
  } finally {
    reporter.finish();
  }
}
