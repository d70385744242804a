// A runner process that dies under its attempt (SIGKILL, a native abort, its heap exhausted) fails that
// attempt with a code that says which, and the job is retried as its retry strategy says. The real
// service runs the attempts; the deaths come from outside (signals) or from the job itself (memory).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { EXAMPLE_MLP, exampleFeatures } from '../../examples/prepare.ts';
import { buildMlpModel } from '../../kernels/onnx/mlp-model.ts';
import { writeNpy } from '../../runner/io/npy.ts';
import type { JobRecord } from '../../scheduler/job-record.ts';
import {
  hasStatus,
  pollJob,
  requestService,
  runnerPidsOf,
  serviceForFile,
} from '../support/service-process.ts';

/** The runners' heap limit: ample for the jobs here, far too small for `huge.jsonl` parsed as JSON. */
const MAX_HEAP_MIB = 48;

const gpubatch = serviceForFile(test, {
  prefix: 'gpubatch-runner-crash-',
  prepare: async (work) => {
    writeFileSync(join(work, 'mlp.onnx'), buildMlpModel(EXAMPLE_MLP));
    // 100,000 rows at batchSize 1: an attempt runs about 2 s here, so a signal lands mid-run.
    await writeNpy(join(work, 'features.npy'), exampleFeatures({ rows: 100_000, cols: 8, seed: 3 }));
    let rows = '';
    for (let r = 0; r < 250_000; r++) rows += `[${r},${r / 3},1,2,3,4,5,6]\n`;
    writeFileSync(join(work, 'huge.jsonl'), rows); // ~9 MB of text, several times that as JS arrays once parsed
    writeFileSync(join(work, 'gpubatch.yaml'), `runners: { keepWarm: 1, maxHeapMiB: ${MAX_HEAP_MIB} }\n`);
  },
  env: (work) => ({ GPUBATCH_CONFIG: join(work, 'gpubatch.yaml') }),
});

/** batchSize 1 keeps the attempt running for seconds, long enough to be killed mid-run. */
const slowInference = (name: string) => ({
  name,
  kind: 'inference',
  model: 'mlp.onnx',
  input: 'features.npy',
  output: `out/${name}.npy`,
  params: { batchSize: 1 },
  retry: { attempts: 2 },
});

async function submit(t: ExecutionContext, spec: Record<string, unknown>): Promise<string> {
  const reply = await requestService(gpubatch.service, 'POST', '/v1/jobs', spec);
  t.is(reply.status, 201, JSON.stringify(reply.body));
  return reply.body.id as string;
}

/** Sends `signal` to the runner while it is mid-attempt, and returns the job once it has run again. */
async function killMidRun(t: ExecutionContext, name: string, signal: NodeJS.Signals): Promise<JobRecord> {
  const { service } = gpubatch;
  const id = await submit(t, slowInference(name));
  await pollJob(service, id, (job) => job.status === 'RUNNING' && (job.progress?.done ?? 0) > 0);
  const runners = runnerPidsOf(service.child.pid!);
  t.is(runners.length, 1, 'one attempt runs at a time in this file');
  process.kill(runners[0]!, signal);
  const job = await pollJob(
    service,
    id,
    (job) => job.status === 'SUCCEEDED' || job.status === 'FAILED',
    60_000,
  );
  t.log(attemptTimes(job));
  return job;
}

/** The job SUCCEEDED on its second attempt, the first having failed for `reason`. */
function succeededAfter(t: ExecutionContext, job: JobRecord, reason: RegExp): void {
  t.is(job.status, 'SUCCEEDED');
  t.deepEqual(
    job.attempts.map((a) => a.outcome),
    ['failed', 'succeeded'],
  );
  t.regex(job.attempts[0]!.reason ?? '', reason);
}

const attemptTimes = (job: JobRecord) =>
  job.attempts
    .map((a) => `attempt ${a.number}: ${a.outcome} after ${(a.stoppedAt ?? 0) - a.startedAt} ms`)
    .join('; ');

test.serial('SIGKILL of the runner: the attempt fails RUNNER_KILLED and the retry succeeds', async (t) => {
  t.timeout(120_000);
  const job = await killMidRun(t, 'killed', 'SIGKILL');
  succeededAfter(t, job, /^attempt 1 failed: RUNNER_KILLED: runner process was killed \(SIGKILL/);
  t.true(
    job.events.some(
      (e) => e.status === 'RUNNABLE' && /RUNNER_KILLED.*retrying \(1 of 2 attempts used\)/.test(e.reason),
    ),
  );
});

test.serial(
  'a native abort (SIGABRT) of the runner: the attempt fails RUNNER_ABORTED and the retry succeeds',
  async (t) => {
    t.timeout(120_000);
    // What process.abort() or a failed assertion in native code (ONNX Runtime, Dawn) does: raise SIGABRT.
    const job = await killMidRun(t, 'aborted', 'SIGABRT');
    succeededAfter(t, job, /^attempt 1 failed: RUNNER_ABORTED: runner process aborted \(SIGABRT/);
  },
);

test.serial(
  'a runner out of heap fails RUNNER_OUT_OF_MEMORY on every attempt until none is left',
  async (t) => {
    t.timeout(120_000);
    const { service } = gpubatch;
    const id = await submit(t, {
      name: 'too-big',
      kind: 'kernel',
      kernel: 'standardize',
      input: 'huge.jsonl',
      output: 'out/too-big.npy',
      retry: { attempts: 2 },
    });
    const job = await pollJob(service, id, hasStatus('FAILED'), 60_000);
    t.deepEqual(
      job.attempts.map((a) => a.outcome),
      ['failed', 'failed'],
    );
    for (const attempt of job.attempts) {
      t.regex(
        attempt.reason ?? '',
        new RegExp(`RUNNER_OUT_OF_MEMORY: .*runners.maxHeapMiB: ${MAX_HEAP_MIB}`),
      );
    }
    t.regex(job.statusReason, /^attempt 2 failed: RUNNER_OUT_OF_MEMORY: .*\(no attempts left\)$/);
  },
);

test.serial('an evaluateOnExit rule on RUNNER_OUT_OF_MEMORY stops the retries at once', async (t) => {
  t.timeout(120_000);
  const { service } = gpubatch;
  const id = await submit(t, {
    name: 'too-big-no-retry',
    kind: 'kernel',
    kernel: 'standardize',
    input: 'huge.jsonl',
    output: 'out/too-big-no-retry.npy',
    retry: { attempts: 3, evaluateOnExit: [{ onReason: 'RUNNER_OUT_OF_MEMORY', action: 'EXIT' }] },
  });
  const job = await pollJob(service, id, hasStatus('FAILED'), 60_000);
  t.is(job.attempts.length, 1);
  t.regex(job.statusReason, /RUNNER_OUT_OF_MEMORY.*says EXIT$/);
});

test.serial('after all that, the service and a fresh runner still run a job', async (t) => {
  t.timeout(120_000);
  const id = await submit(t, { ...slowInference('after'), params: { batchSize: 4096 } });
  const job = await pollJob(gpubatch.service, id, hasStatus('SUCCEEDED'), 60_000);
  t.deepEqual(
    job.attempts.map((a) => a.outcome),
    ['succeeded'],
  );
});
