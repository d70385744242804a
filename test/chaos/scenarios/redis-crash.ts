// Redis killed with SIGKILL while jobs are submitted and run, then started again from its append-only
// file (appendfsync always): every submission that was answered 2xx is still there and SUCCEEDS. While
// Redis is down or loading, submissions are answered 503 (never a 500), and the service carries on by
// itself once it is back.
import type { ExecutionContext } from 'ava';
import { requestService } from '../../support/service-process.ts';
import { chaosWorld } from '../support/chaos-service.ts';
import { listAllJobs, noAnswer, tinyJob, waitUntilFinished } from '../support/tiny-jobs.ts';

export interface RedisCrashOptions {
  /** Accepted submissions before the kill. */
  acceptedBeforeKill: number;
  /** How long Redis stays down before it is started again. */
  downMs: number;
  appendFsync: 'always' | 'everysec';
}

export async function redisCrash(t: ExecutionContext, options: RedisCrashOptions): Promise<void> {
  const world = await chaosWorld(t, {
    slots: 4,
    redis: { appendOnly: true, appendFsync: options.appendFsync },
  });
  const service = await world.start();
  const accepted = new Map<string, string>(); // name -> id, for every 2xx
  const answers = new Map<number, number>();
  let phase: 'before' | 'down' | 'after' = 'before';
  const acceptedAfter: string[] = [];
  let stop = false;
  let n = 0;
  const submitter = async () => {
    while (!stop) {
      const name = `crash-${++n}`;
      const reply = await requestService(service, 'POST', '/v1/jobs', tinyJob(name)).catch(noAnswer);
      answers.set(reply.status, (answers.get(reply.status) ?? 0) + 1);
      if (reply.status >= 200 && reply.status < 300) {
        accepted.set(name, reply.body.id);
        if (phase === 'after') acceptedAfter.push(name);
      }
      if (reply.status === 0) await new Promise((r) => setTimeout(r, 100)); // no service: do not spin
    }
  };
  const submitters = Promise.all([submitter(), submitter(), submitter()]);

  let beforeKill = 0;
  let killedAt = 0;
  let restartedAt = 0;
  let recoveredMs = 0;
  try {
    while (accepted.size < options.acceptedBeforeKill) await new Promise((r) => setTimeout(r, 20));
    beforeKill = accepted.size;
    phase = 'down';
    killedAt = Date.now();
    await world.redis.crashAndRestart(options.downMs);
    restartedAt = Date.now();
    phase = 'after';
    const deadline = Date.now() + 60_000;
    while (acceptedAfter.length < 10) {
      if (Date.now() > deadline) throw new Error('no submission accepted within 60 s of the restart');
      await new Promise((r) => setTimeout(r, 50));
    }
    recoveredMs = Date.now() - restartedAt;
  } finally {
    stop = true; // the clients stop whatever happened
    await submitters;
  }

  t.deepEqual(
    [...answers.keys()].filter((status) => status !== 201 && status !== 503),
    [],
    'answers are 201, or 503 while Redis is away',
  );
  t.is(service.child.exitCode, null, 'the same service process carried on');
  const stored = new Set((await listAllJobs(service)).map((job) => job.id));
  const missing = [...accepted.values()].filter((id) => !stored.has(id));
  t.deepEqual(missing, [], 'every 2xx submission is still there');
  if (missing.length > 0) return;
  const records = await waitUntilFinished(service, accepted.values(), 180_000);
  const notSucceeded = [...accepted.values()].filter((id) => records.get(id)?.status !== 'SUCCEEDED');
  t.deepEqual(notSucceeded, [], 'and SUCCEEDED');
  t.log(
    `appendfsync ${options.appendFsync}: ${accepted.size} submissions answered 201 (${beforeKill} before the kill), ` +
      `${answers.get(503) ?? 0} answered 503; Redis down ${restartedAt - killedAt} ms; submissions accepted again ` +
      `${recoveredMs} ms after the restart; all ${accepted.size} accepted jobs present and SUCCEEDED ` +
      `(${records.size} jobs stored in all)`,
  );
}
