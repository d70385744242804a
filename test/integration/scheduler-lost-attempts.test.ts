// An attempt whose node went away (outcome `lost`, e.g. NODE_LOST on Kubernetes) is not the job's fault:
// it runs again without using a retry, up to a bound.
import test from 'ava';
import type { AttemptOutcome } from '../../scheduler/executors/executor.ts';
import { gpuNodes } from '../support/builders.ts';
import { success } from '../support/fake-executor.ts';
import { schedulerStackPerTest } from '../support/scheduler-stack.ts';

const stack = schedulerStackPerTest(test, () => gpuNodes(1, { gpus: 2, cpuMilli: 8000, memoryMiB: 16_384 }));

const lost: AttemptOutcome = { kind: 'lost', code: 'NODE_LOST', reason: 'node gpu-1 was deleted' };

test.serial('a lost attempt runs again even when the job allows a single attempt', async (t) => {
  const job = await stack.harness.submit({ retry: { attempts: 1 } });
  (await stack.harness.executor.started(job.id)).settle(lost);
  await stack.harness.waitFor(job.id, (r) => r.attempts.length === 2, 'a second attempt');
  (await stack.harness.executor.started(job.id)).settle(success());
  const done = await stack.harness.waitForStatus(job.id, 'SUCCEEDED');
  t.deepEqual(
    done.attempts.map((a) => a.outcome),
    ['lost', 'succeeded'],
  );
  t.regex(done.attempts[0]?.reason ?? '', /attempt 1 lost: NODE_LOST: node gpu-1 was deleted/);
  t.true(done.events.some((e) => e.status === 'RUNNABLE' && /will run again/.test(e.reason)));
});

test.serial('after five lost attempts the job fails, saying so', async (t) => {
  const job = await stack.harness.submit({ retry: { attempts: 3 } });
  for (let n = 1; n <= 5; n++) {
    await stack.harness.waitFor(job.id, (r) => r.attempts.length === n, `attempt ${n}`);
    (await stack.harness.executor.started(job.id)).settle(lost);
  }
  const failed = await stack.harness.waitForStatus(job.id, 'FAILED');
  t.is(failed.attempts.length, 5);
  t.regex(failed.statusReason, /5 attempts lost; giving up/);
});
