// The service's log lines about a job, as a real scheduler stack writes them: JSON, each with the job's
// id and queue, and once placed its attempt and node, so a log store can tell one job's story.
import test from 'ava';
import { createLogger, logFnOf } from '../../scheduler/logging/logger.ts';
import { gpuNodes } from '../support/builders.ts';
import { failure, success } from '../support/fake-executor.ts';
import { testRedis } from '../support/redis-server.ts';
import { schedulerHarness } from '../support/scheduler-harness.ts';

test('every line about a job carries jobId and queue; from placement on also attempt and node', async (t) => {
  const redis = await testRedis();
  t.teardown(() => redis.stop());
  const lines: string[] = [];
  const log = logFnOf(createLogger({ write: (line) => lines.push(line) }));
  const harness = await schedulerHarness(redis.url, gpuNodes(1, { gpus: 1, namePrefix: 'gpu-node' }), {
    log,
    queues: ['default'],
  });
  t.teardown(() => harness.stop());

  const job = await harness.submit({ resources: { gpus: 1 }, retry: { attempts: 2 } });
  const first = await harness.executor.started(job.id);
  first.hooks.onStarted('fake:cpu');
  await harness.waitForStatus(job.id, 'RUNNING');
  first.settle(failure('RUNNER_CRASHED', true));
  const second = await harness.executor.started(job.id);
  second.settle(success());
  await harness.waitForStatus(job.id, 'SUCCEEDED');
  // A job that waits behind another, cancelled through the API.
  const blocker = await harness.submit({ resources: { gpus: 1 } });
  const blocking = await harness.executor.started(blocker.id);
  const waiting = await harness.submit({ resources: { gpus: 1 } });
  await harness.waitFor(waiting.id, (r) => r.statusReason.includes('needs'), 'a waiting reason');
  await harness.jobs.cancel(waiting.id, 'not needed');
  blocking.settle(success());
  await harness.waitForStatus(blocker.id, 'SUCCEEDED');
  await new Promise((r) => setTimeout(r, 100)); // the driver logs just after its write

  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const about = (id: string) => records.filter((r) => r.jobId === id);
  t.deepEqual(
    about(job.id).map((r) => [r.msg, r.attempt, r.node]),
    [
      ['job submitted', undefined, undefined],
      ['job STARTING: attempt 1 placed on gpu-node-0 (GPU 0)', 1, 'gpu-node-0'],
      ['job RUNNING: attempt 1 running', 1, 'gpu-node-0'],
      [
        'job RUNNABLE: attempt 1 failed: RUNNER_CRASHED: RUNNER_CRASHED happened; retrying (1 of 2 attempts used)',
        1,
        'gpu-node-0',
      ],
      ['job STARTING: attempt 2 placed on gpu-node-0 (GPU 0)', 2, 'gpu-node-0'],
      ['job SUCCEEDED: attempt 2 succeeded', 2, 'gpu-node-0'],
    ],
  );
  t.true(
    about(job.id).every((r) => r.queue === 'default' && r.level === 'info'),
    'queue on every line',
  );
  t.like(about(waiting.id).at(-1), {
    msg: 'job FAILED: Cancelled: not needed',
    level: 'info',
    queue: 'default',
  });
  // Lines that name a job in their text carry it as a field too.
  for (const record of records)
    for (const id of [job.id, waiting.id])
      if (String(record.msg).includes(id)) t.is(record.jobId, id, String(record.msg));
});
