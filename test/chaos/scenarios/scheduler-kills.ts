// The scheduler process killed with SIGKILL several times while thousands of tiny jobs are submitted
// (to a separate API process) and run on the local executor. Every job ends SUCCEEDED; a side-effect
// counter in the runners (support/commit-ledger-hook.ts: every committed output, with its job and
// attempt) shows that the attempt recorded as each job's success committed its output exactly once, that
// no attempt number ever ran twice, and that each job left exactly one output file.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ExecutionContext } from 'ava';
import {
  type Endpoint,
  requestService,
  runnerPidsOf,
  type ServiceProcess,
} from '../../support/service-process.ts';
import { chaosWorld } from '../support/chaos-service.ts';
import { readLedger } from '../support/commit-ledger.ts';
import { tinyJob, waitUntilFinished } from '../support/tiny-jobs.ts';

const HOOK = pathToFileURL(fileURLToPath(new URL('../support/commit-ledger-hook.ts', import.meta.url))).href;
const CLIENTS = 8;

export interface SchedulerKillOptions {
  jobs: number;
  kills: number;
  /** Tiny jobs the local node runs at once. */
  slots: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function schedulerKills(t: ExecutionContext, options: SchedulerKillOptions): Promise<void> {
  const { jobs, kills } = options;
  const world = await chaosWorld(t, {
    slots: options.slots,
    // A dead scheduler's leader lock and its jobs' BullMQ locks lapse within seconds.
    configYaml: 'failover: { leaderTtlSeconds: 2, attemptLockSeconds: 2 }',
  });
  const ledger = join(world.work, 'commits.ledger');
  const startScheduler = () =>
    world.start({
      args: ['--role', 'scheduler'],
      readyLine: 'scheduler is leader',
      env: { NODE_OPTIONS: `--import=${HOOK}`, GPUBATCH_CHAOS_LEDGER: ledger },
    });
  let scheduler: ServiceProcess = await startScheduler();
  const api = await world.start({ args: ['--role', 'api'], readyLine: 'API listening' });

  const started = Date.now();
  const ids = new Map<string, string>(); // job name -> id
  let next = 0;
  const submitting = Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < jobs) {
        const name = `job-${String(next++).padStart(5, '0')}`;
        const reply = await requestService(api, 'POST', '/v1/jobs', tinyJob(name));
        if (reply.status !== 201)
          throw new Error(`submit ${name}: ${reply.status} ${JSON.stringify(reply.body)}`);
        ids.set(name, reply.body.id);
      }
    }),
  );
  submitting.catch(() => undefined); // awaited below; a kill step failing first must not leave it unhandled

  // Each scheduler lives until it has committed its share of the outputs, then dies mid-run.
  const share = Math.floor(jobs / (kills + 2));
  const killLog: string[] = [];
  for (let k = 1; k <= kills; k++) {
    const base = readLedger(ledger).length;
    const lifeDeadline = Date.now() + 10 * 60_000;
    while (readLedger(ledger).length - base < share) {
      if (Date.now() > lifeDeadline)
        throw new Error(`scheduler ${k} committed no ${share} outputs in 10 min`);
      await sleep(50);
    }
    // Kill while attempts are in flight: wait (briefly) for a job to be STARTING or RUNNING.
    const waitedFrom = Date.now();
    while (Date.now() - waitedFrom < 5000 && !(await attemptInFlight(api))) await sleep(10);
    const runners = runnerPidsOf(scheduler.child.pid!).length;
    const submittedAtKill = ids.size;
    const committedAtKill = readLedger(ledger).length;
    const killedAt = Date.now();
    await scheduler.stop('SIGKILL');
    scheduler = await startScheduler();
    killLog.push(
      `kill ${k} at ${submittedAtKill} submitted, ${committedAtKill} outputs committed, ${runners} runner processes: ` +
        `a new scheduler led ${Date.now() - killedAt} ms later`,
    );
  }
  await submitting;
  const submittedMs = Date.now() - started;
  let lastReport = 0;
  const records = await waitUntilFinished(api, ids.values(), 30 * 60_000, (done, total) => {
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      t.log(`${Math.round((Date.now() - started) / 1000)} s: ${done}/${total} finished`);
    }
  });
  const finishedMs = Date.now() - started;

  // Final states: all SUCCEEDED, each reported SUCCEEDED once.
  const jobsList = [...ids.values()].map((id) => records.get(id)!);
  t.is(jobsList.filter((job) => job.status === 'SUCCEEDED').length, jobs, 'every job SUCCEEDED');
  t.deepEqual(
    jobsList
      .filter((job) => job.events.filter((e) => e.status === 'SUCCEEDED').length !== 1)
      .map((j) => j.id),
    [],
    'each reported SUCCEEDED exactly once',
  );

  // The side-effect counter: commits per (job, attempt).
  const commits = readLedger(ledger);
  const perAttempt = new Map<string, number>();
  for (const c of commits)
    perAttempt.set(`${c.jobId} ${c.attempt}`, (perAttempt.get(`${c.jobId} ${c.attempt}`) ?? 0) + 1);
  t.deepEqual(
    commits.filter((c) => c.jobId === '-'),
    [],
    'every commit happened within an attempt',
  );
  t.deepEqual(
    [...perAttempt].filter(([, count]) => count > 1),
    [],
    'no attempt committed twice',
  );
  const finalOnce = jobsList.filter((job) => {
    const final = job.attempts.at(-1)!;
    return final.outcome === 'succeeded' && perAttempt.get(`${job.id} ${final.number}`) === 1;
  });
  t.is(finalOnce.length, jobs, "each job's successful attempt committed its output exactly once");
  const reruns = commits.length - jobs; // outputs committed by attempts whose success was then lost

  // The outputs: one file per job, each the same bytes (one input, a deterministic kernel), no leftovers.
  const files = readdirSync(join(world.work, 'out')).sort();
  const expected = [...ids.keys()].map((name) => `${name}.npy`).sort();
  t.deepEqual(files, expected, 'exactly one output file per job, and no temporary file left');
  const reference = readFileSync(join(world.work, 'out', files[0]!));
  t.deepEqual(
    files.filter((file) => !readFileSync(join(world.work, 'out', file)).equals(reference)),
    [],
    'every output whole and identical',
  );
  t.deepEqual(
    jobsList
      .filter((job) => job.result?.output !== join(world.work, 'out', `${job.spec.name}.npy`))
      .map((j) => j.id),
    [],
  );

  const lost = jobsList.flatMap((job) => job.attempts).filter((a) => a.outcome === 'lost').length;
  t.true(lost > 0, 'the kills caught attempts in flight');
  for (const line of killLog) t.log(line);
  t.log(
    `${jobs} jobs, ${kills} SIGKILLs of the scheduler: submitted in ${(submittedMs / 1000).toFixed(1)} s, ` +
      `all SUCCEEDED ${(finishedMs / 1000).toFixed(1)} s after the first submission; ${lost} attempts recorded lost; ` +
      `${commits.length} outputs committed (${reruns} by attempts whose success the kill lost, then run again); ` +
      `the succeeded attempt committed exactly once for ${finalOnce.length}/${jobs}; ${files.length} output files`,
  );
}

async function attemptInFlight(api: Endpoint): Promise<boolean> {
  for (const status of ['STARTING', 'RUNNING']) {
    const reply = await requestService(api, 'GET', `/v1/jobs?status=${status}&limit=1`);
    if (reply.status === 200 && reply.body.jobs.length > 0) return true;
  }
  return false;
}
