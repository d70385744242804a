// Issue 3's policies through the running service: preemption between queues, and what a waiting job is told.
import test from 'ava';
import { gpuNode, gpuNodes } from '../support/builders.ts';
import { success } from '../support/fake-executor.ts';
import { schedulerStackPerTest } from '../support/scheduler-stack.ts';

const stack = schedulerStackPerTest(test);

test.serial(
  'a job of a queue that may preempt stops a lower-priority job; the victim reruns without using a retry',
  async (t) => {
    const harness = await stack.start(gpuNodes(1, { gpus: 2 }), {
      queues: ['default', { name: 'urgent', priority: 10, canPreempt: true }],
    });
    const batch = await harness.submit({ name: 'batch', resources: { gpus: 2 } });
    const victim = await harness.executor.started(batch.id);
    victim.hooks.onStarted();
    await harness.waitForStatus(batch.id, 'RUNNING');

    const urgent = await harness.submit({ name: 'urgent', queue: 'urgent', resources: { gpus: 2 } });
    // The event keeps the PREEMPTED reason; statusReason then moves on to what the job waits for.
    const preempted = await harness.waitFor(
      batch.id,
      (r) => r.events.some((e) => e.status === 'RUNNABLE' && e.reason.startsWith('PREEMPTED')),
      'a PREEMPTED event',
    );
    t.regex(
      preempted.events.at(-1)?.reason ?? '',
      /^PREEMPTED: attempt 1 stopped to make room for higher-priority job/,
    );
    t.is(preempted.attempts[0]?.outcome, 'preempted');

    (await harness.executor.started(urgent.id)).settle(success());
    await harness.waitForStatus(urgent.id, 'SUCCEEDED');
    const rerun = await harness.executor.started(batch.id);
    t.is(rerun.request.attempt, 2, 'it runs again although retry.attempts is 1');
    rerun.settle(success());
    const done = await harness.waitForStatus(batch.id, 'SUCCEEDED');
    t.deepEqual(
      done.attempts.map((a) => a.outcome),
      ['preempted', 'succeeded'],
    );
  },
);

test.serial('a queue without canPreempt never stops running work, whatever its priority', async (t) => {
  const harness = await stack.start(gpuNodes(1, { gpus: 2 }), {
    queues: ['default', { name: 'high', priority: 10 }],
  });
  const batch = await harness.submit({ resources: { gpus: 2 } });
  const running = await harness.executor.started(batch.id);
  const high = await harness.submit({ queue: 'high', resources: { gpus: 2 } });
  await harness.waitFor(high.id, (r) => r.statusReason.length > 0 && r.status === 'RUNNABLE', 'waiting');
  await new Promise((r) => setTimeout(r, 200));
  t.true(harness.executor.isRunning(batch.id), 'still running');
  running.settle(success());
  (await harness.executor.started(high.id)).settle(success());
  await harness.waitForStatus(high.id, 'SUCCEEDED');
});

test.serial('a waiting job says when it should start and what would let it run sooner', async (t) => {
  const harness = await stack.start([
    gpuNode({ name: 'h100-node', gpus: 1, model: 'H100' }),
    gpuNode({ name: 'l4-node', gpus: 1, model: 'L4' }),
  ]);
  const blocker = await harness.submit({
    name: 'blocker',
    resources: { gpus: 1, gpuModel: ['H100'] },
    timeoutSeconds: 600,
  });
  const running = await harness.executor.started(blocker.id);
  const startedAt = Date.now();
  const waiting = await harness.submit({ name: 'wants-h100', resources: { gpus: 1, gpuModel: ['H100'] } });
  const told = await harness.waitFor(
    waiting.id,
    (r) => r.estimatedStartAt !== undefined && (r.suggestions?.length ?? 0) > 0,
    'an estimate and suggestions',
  );
  t.is(told.status, 'RUNNABLE');
  t.true(Math.abs(told.estimatedStartAt! - (startedAt + 600_000)) < 10_000, 'when the blocker times out');
  t.true(
    told.suggestions!.some((s) => /gpuModel any/.test(s)),
    told.suggestions!.join('; '),
  );
  running.settle(success());
  (await harness.executor.started(waiting.id)).settle(success());
  const done = await harness.waitForStatus(waiting.id, 'SUCCEEDED');
  t.is(done.estimatedStartAt, undefined, 'estimates are shown only while RUNNABLE');
});

test.serial(
  'running jobs do not use up the look-ahead window: with a window of 1, three run at once',
  async (t) => {
    const harness = await stack.start(gpuNodes(1, { gpus: 3 }), { windowPerQueue: 1 });
    const jobs = [];
    for (const name of ['first', 'second', 'third'])
      jobs.push(await harness.submit({ name, resources: { gpus: 1 } }));
    const attempts = [];
    for (const job of jobs) attempts.push(await harness.executor.started(job.id));
    t.true(jobs.every((job) => harness!.executor.isRunning(job.id)));
    for (const attempt of attempts) attempt.settle(success());
    await harness.waitForStatus(jobs[2]!.id, 'SUCCEEDED');
  },
);

test.serial(
  'a large job behind small ones of its own queue is seen at once and starts before the later small ones',
  async (t) => {
    // Window 1: without size lanes the big job would sit behind every small job, unseen by the core.
    const harness = await stack.start(gpuNodes(1, { gpus: 2 }), { windowPerQueue: 1 });
    const h = harness;
    const tenMinutes = { timeoutSeconds: 600 };
    const first = await h.submit({ name: 'first', resources: { gpus: 1 }, ...tenMinutes });
    const second = await h.submit({ name: 'second', resources: { gpus: 1 }, ...tenMinutes });
    const attempts = new Map([
      [first.id, await h.executor.started(first.id)],
      [second.id, await h.executor.started(second.id)],
    ]);
    const small = [];
    for (const name of ['small-1', 'small-2', 'small-3'])
      small.push(await h.submit({ name, resources: { gpus: 1 }, ...tenMinutes }));
    const big = await h.submit({ name: 'big', resources: { gpus: 2 }, ...tenMinutes });
    // Seen by the core: its reason is the core's.
    await h.waitFor(big.id, (r) => /needs 2 GPUs/.test(r.statusReason), 'the core to see it');

    // Finish running jobs one at a time, oldest first, and note the order the waiting ones start in.
    const names = new Map([...small, big].map((job) => [job.id, job.spec.name]));
    const startOrder: string[] = [];
    while (startOrder.length < names.size) {
      const [id, attempt] = [...attempts][0]!;
      attempt.settle(success());
      await h.waitForStatus(id, 'SUCCEEDED');
      attempts.delete(id);
      await new Promise((resolve) => setTimeout(resolve, 200));
      for (const [waitingId, name] of names)
        if (!startOrder.includes(name!) && h.executor.isRunning(waitingId)) {
          startOrder.push(name!);
          attempts.set(waitingId, await h.executor.started(waitingId));
        }
    }
    t.log(startOrder.join(' -> '));
    // small-1 may start first: it can hold the head reservation from before the big job was seen.
    t.true(startOrder.indexOf('big') < startOrder.indexOf('small-2'), startOrder.join(' -> '));
    t.true(startOrder.indexOf('big') < startOrder.indexOf('small-3'), startOrder.join(' -> '));
  },
);
