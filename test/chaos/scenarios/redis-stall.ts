// Redis stops answering (SIGSTOP) for a while under a steady stream of submissions, then continues
// (SIGCONT). While it is stopped, requests are answered 503 with Retry-After (none hangs, none is a 500);
// afterwards the same service process takes submissions again by itself, a client that retries its 503s
// with the same idempotency key gets each job exactly once, and every accepted job SUCCEEDS.
import type { ExecutionContext } from 'ava';
import { requestService } from '../../support/service-process.ts';
import { chaosWorld } from '../support/chaos-service.ts';
import { noAnswer, tinyJob, waitUntilFinished } from '../support/tiny-jobs.ts';

interface Submission {
  key: string;
  status: number;
  retryAfter: string | null;
  contentType: string | null;
  ms: number;
  phase: 'before' | 'stalled' | 'after';
  id?: string;
}

export async function redisStall(t: ExecutionContext, stallSeconds: number): Promise<void> {
  const world = await chaosWorld(t, { slots: 4, redis: { appendOnly: true } });
  const service = await world.start();
  const submissions: Submission[] = [];
  const reads: { status: number; retryAfter: string | null }[] = [];
  let phase: Submission['phase'] = 'before';
  let stop = false;
  let n = 0;
  // A few clients at once, so the stall meets several requests in flight.
  const submitter = async () => {
    while (!stop) {
      const key = `stall-${++n}`;
      const startedIn = phase; // a submission counts in the phase it was sent in
      const started = Date.now();
      const reply = await requestService(
        service,
        'POST',
        '/v1/jobs',
        tinyJob(key, { idempotencyKey: key }),
      ).catch(noAnswer);
      submissions.push({
        key,
        status: reply.status,
        retryAfter: reply.headers.get('retry-after'),
        contentType: reply.headers.get('content-type'),
        ms: Date.now() - started,
        phase: startedIn,
        id: reply.body?.id,
      });
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const submitters = Promise.all([submitter(), submitter(), submitter()]);

  let recoveredMs = 0;
  try {
    await new Promise((r) => setTimeout(r, 2000));
    const firstId = submissions.find((s) => s.status === 201)?.id;
    process.kill(world.redis.server.pid, 'SIGSTOP');
    phase = 'stalled';
    const stalledAt = Date.now();
    while (Date.now() - stalledAt < stallSeconds * 1000) {
      const read = await requestService(service, 'GET', `/v1/jobs/${firstId}`);
      reads.push({ status: read.status, retryAfter: read.headers.get('retry-after') });
      await new Promise((r) => setTimeout(r, 500));
    }
    process.kill(world.redis.server.pid, 'SIGCONT');
    const resumedAt = Date.now();
    phase = 'after';
    // Recovered: three submissions in a row accepted after Redis continued, with no restart of anything.
    const deadline = resumedAt + 60_000;
    for (;;) {
      const after = submissions.filter((s) => s.phase === 'after').slice(-3);
      if (after.length === 3 && after.every((s) => s.status === 201)) break;
      if (Date.now() > deadline) throw new Error(`no recovery within 60 s: ${JSON.stringify(after)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    recoveredMs = Date.now() - resumedAt;
  } finally {
    process.kill(world.redis.server.pid, 'SIGCONT'); // never leave Redis stopped, even on a failure
    stop = true; // the clients stop whatever happened
    await submitters;
  }

  const statuses = new Set(submissions.map((s) => s.status));
  t.deepEqual(
    [...statuses].filter((s) => s !== 201 && s !== 503),
    [],
    'only 201 and 503 answers',
  );
  const unavailable = submissions.filter((s) => s.status === 503);
  t.true(unavailable.length > 0, 'some submissions met the stall');
  for (const s of unavailable) {
    t.regex(s.retryAfter ?? '', /^[1-9][0-9]*$/, 'a 503 says when to retry');
    t.regex(s.contentType ?? '', /application\/problem\+json/);
  }
  t.true(
    reads.every((r) => r.status === 200 || (r.status === 503 && r.retryAfter !== null)),
    JSON.stringify(reads),
  );
  t.is(service.child.exitCode, null, 'the same service process recovered');

  // The client's side of the contract: a 503'd submission is retried with its idempotency key.
  const ids = new Map(submissions.filter((s) => s.status === 201).map((s) => [s.key, s.id!]));
  let storedDespite503 = 0;
  for (const s of unavailable) {
    const again = await requestService(
      service,
      'POST',
      '/v1/jobs',
      tinyJob(s.key, { idempotencyKey: s.key }),
    );
    t.true(again.status === 200 || again.status === 201, `retry of ${s.key}: ${again.status}`);
    if (again.status === 200) storedDespite503++;
    ids.set(s.key, again.body.id);
  }
  const records = await waitUntilFinished(service, ids.values(), 120_000);
  const failed = [...ids.values()].filter((id) => records.get(id)?.status !== 'SUCCEEDED');
  t.deepEqual(failed, [], 'every accepted job SUCCEEDED');
  const byName = new Map<string, number>();
  for (const job of records.values()) byName.set(job.spec.name, (byName.get(job.spec.name) ?? 0) + 1);
  t.deepEqual(
    [...byName].filter(([, count]) => count > 1),
    [],
    'one job per idempotency key',
  );

  const waits = unavailable.map((s) => s.ms).sort((a, b) => a - b);
  // What the stall did to the leader: its lock (leaderTtlSeconds 15) lapses in a stall longer than that.
  const leaderLog = service
    .output()
    .split('\n')
    .filter((line) => /leader lock|stepping down|scheduler is leader|could not start leading/.test(line))
    .map((line) => (JSON.parse(line) as { msg: string }).msg);
  t.log(
    `Redis stopped ${stallSeconds} s: ${submissions.length} submissions (${submissions.filter((s) => s.phase === 'before').length} before, ` +
      `${submissions.filter((s) => s.phase === 'stalled').length} during, ${submissions.filter((s) => s.phase === 'after').length} after); ` +
      `${unavailable.length} answered 503 (after ${waits[0]}..${waits.at(-1)} ms; ${storedDespite503} of them had been stored anyway), ` +
      `reads during the stall: ${reads.map((r) => r.status).join(',')}; submissions accepted again ${recoveredMs} ms after SIGCONT; ` +
      `${ids.size} jobs, all SUCCEEDED; leader: ${leaderLog.join(' / ')}`,
  );
}
