// The local executor with real runner processes: warm reuse, GPUs in CUDA_VISIBLE_DEVICES, a crashed
// runner fails one attempt (not the service), timeouts and interrupts.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { EXAMPLE_MLP, exampleFeatures } from '../../examples/prepare.ts';
import { createMatrix } from '../../kernels/matrix.ts';
import { buildMlpModel } from '../../kernels/onnx/mlp-model.ts';
import { writeNpy } from '../../runner/io/npy.ts';
import type { AttemptRequest } from '../../runner/protocol.ts';
import type { Placement } from '../../scheduler/core/types.ts';
import type { AttemptHooks } from '../../scheduler/executors/executor.ts';
import { LocalExecutor } from '../../scheduler/executors/local/local-executor.ts';
import { inferenceJobSpec, kernelJobSpec } from '../support/job-specs.ts';
import { temporaryDirectory } from '../support/npy-fixtures.ts';

let sequence = 0;

function attempt(
  cwd: string,
  spec = kernelJobSpec(),
  gpuIndices: number[] = [],
): [AttemptRequest, Placement] {
  const jobId = `job-${++sequence}`;
  return [
    { jobId, attempt: 1, spec, cwd, gpuIndices },
    {
      jobId,
      node: 'local',
      gpuIndices,
      gpuMilliPerGpu: gpuIndices.length ? 1000 : 0,
      cpuMilli: 1000,
      memoryMiB: 64,
    },
  ];
}

const quietHooks = (onStarted: AttemptHooks['onStarted'] = () => {}): AttemptHooks => ({
  onStarted,
  onProgress: () => {},
});

/** Runner processes are the executor's children; the test reads them from the process table. */
function runnerPids(): number[] {
  try {
    return execFileSync('ps', ['--ppid', String(process.pid), '-o', 'pid=,args='], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes('runner/main.ts'))
      .map((line) => Number.parseInt(line.trim(), 10));
  } catch {
    return [];
  }
}

const visibleDevicesOf = (pid: number) =>
  readFileSync(`/proc/${pid}/environ`, 'utf8')
    .split('\0')
    .find((entry) => entry.startsWith('CUDA_VISIBLE_DEVICES='));

async function withExecutor(t: ExecutionContext, options: { keepWarm?: number } = {}) {
  const inventory = { gpus: [{ model: 'L4' }, { model: 'L4' }] };
  const executor = new LocalExecutor({ inventory, killGraceMs: 500, ...options });
  t.teardown(() => executor.close());
  const cwd = await temporaryDirectory(t);
  await writeNpy(
    join(cwd, 'matrix.npy'),
    createMatrix(
      8,
      2,
      Float32Array.from({ length: 16 }, (_, i) => i),
    ),
  );
  return { executor, cwd };
}

async function slowInference(cwd: string) {
  writeFileSync(join(cwd, 'mlp.onnx'), buildMlpModel(EXAMPLE_MLP));
  await writeNpy(join(cwd, 'features.npy'), exampleFeatures({ rows: 200_000, cols: 8, seed: 9 }));
  return inferenceJobSpec({ params: { batchSize: 1 } });
}

test.serial('the declared inventory is the node the core sees', async (t) => {
  const { executor } = await withExecutor(t);
  const [node] = executor.nodes();
  t.deepEqual(
    node?.gpus.map((g) => [g.index, g.model, g.freeMilli]),
    [
      [0, 'L4', 1000],
      [1, 'L4', 1000],
    ],
  );
});

test.serial('a second attempt with the same GPUs reuses the warm runner process', async (t) => {
  const { executor, cwd } = await withExecutor(t);
  const first = await executor.run(...attempt(cwd), quietHooks());
  t.is(first.kind, 'succeeded');
  const warm = runnerPids();
  t.is(warm.length, 1);
  const second = await executor.run(...attempt(cwd), quietHooks());
  t.is(second.kind, 'succeeded');
  t.deepEqual(runnerPids(), warm, 'no new process was started');
});

test.serial('after a burst, as many runners stay warm as were busy at once, beyond keepWarm', async (t) => {
  const { executor, cwd } = await withExecutor(t, { keepWarm: 1 });
  const burst = () => Promise.all([1, 2, 3].map(() => executor.run(...attempt(cwd), quietHooks())));
  await burst();
  t.is(executor.runnerStats().started, 3);
  t.is(executor.runnerStats().idle, 3, 'all three kept, not just keepWarm');
  const outcomes = await burst();
  t.true(outcomes.every((o) => o.kind === 'succeeded'));
  t.is(executor.runnerStats().started, 3, 'the second burst started no process');
});

test.serial(
  'an attempt on GPUs runs in a process whose CUDA_VISIBLE_DEVICES lists exactly them',
  async (t) => {
    const { executor, cwd } = await withExecutor(t);
    let seen: string | undefined;
    const outcome = await executor.run(
      ...attempt(cwd, kernelJobSpec(), [1]),
      quietHooks(() => {
        seen ??= runnerPids()
          .map(visibleDevicesOf)
          .find((v) => v === 'CUDA_VISIBLE_DEVICES=1');
      }),
    );
    t.is(outcome.kind, 'succeeded');
    t.is(seen, 'CUDA_VISIBLE_DEVICES=1');
  },
);

test.serial(
  'a runner that dies mid-attempt fails that attempt as retryable; the next attempt runs',
  async (t) => {
    const { executor, cwd } = await withExecutor(t);
    const spec = await slowInference(cwd);
    const running = executor.run(
      ...attempt(cwd, spec),
      quietHooks(() => {
        for (const pid of runnerPids()) process.kill(pid, 'SIGKILL'); // a native crash, as seen from outside
      }),
    );
    const outcome = await running;
    t.is(outcome.kind, 'failed');
    if (outcome.kind !== 'failed') return;
    t.is(outcome.failure.code, 'RUNNER_KILLED');
    t.true(outcome.failure.retryable);
    t.regex(outcome.failure.message, /SIGKILL/);
    t.is((await executor.run(...attempt(cwd), quietHooks())).kind, 'succeeded');
  },
);

test.serial('an attempt past its timeoutSeconds is stopped and fails with TIMEOUT', async (t) => {
  const { executor, cwd } = await withExecutor(t);
  const spec = { ...(await slowInference(cwd)), timeoutSeconds: 1 };
  const outcome = await executor.run(...attempt(cwd, spec), quietHooks());
  t.is(outcome.kind, 'failed');
  if (outcome.kind === 'failed') t.like(outcome.failure, { code: 'TIMEOUT', retryable: false });
});

test.serial('an interrupted attempt ends as interrupted, with the reason given', async (t) => {
  const { executor, cwd } = await withExecutor(t);
  const spec = await slowInference(cwd);
  const [request, placement] = attempt(cwd, spec);
  const outcome = await executor.run(
    request,
    placement,
    quietHooks(() => executor.interrupt(request.jobId, 'cancel', 'user asked')),
  );
  t.deepEqual(outcome, { kind: 'interrupted', by: 'cancel', reason: 'user asked' });
});

/** Rows at batch size 1: long enough to be caught mid-run, short enough to finish after a resume. */
async function resumableInference(cwd: string) {
  writeFileSync(join(cwd, 'mlp.onnx'), buildMlpModel(EXAMPLE_MLP));
  await writeNpy(join(cwd, 'features.npy'), exampleFeatures({ rows: 30_000, cols: 8, seed: 9 }));
  return inferenceJobSpec({ params: { batchSize: 1 } });
}

/** Hooks that call `then` once, when the attempt has made progress. */
const onFirstProgress = (then: () => void): AttemptHooks => {
  let called = false;
  return {
    onStarted: () => {},
    onProgress: ({ done }) => {
      if (done > 0 && !called) {
        called = true;
        then();
      }
    },
  };
};

/** Runs a resumable inference attempt that `interrupt` stops once it has made progress. */
async function interruptedMidRun(
  t: ExecutionContext,
  interrupt: (executor: LocalExecutor, request: AttemptRequest) => void,
) {
  const { executor, cwd } = await withExecutor(t);
  const [request, placement] = attempt(cwd, await resumableInference(cwd));
  const outcome = await executor.run(
    request,
    placement,
    onFirstProgress(() => interrupt(executor, request)),
  );
  return { executor, request, placement, outcome };
}

test.serial(
  'a preempted inference attempt saves a checkpoint, its runner stays warm, and the next attempt resumes there',
  async (t) => {
    const { executor, request, placement, outcome } = await interruptedMidRun(t, (executor, request) =>
      executor.interrupt(request.jobId, 'preempt', 'to make room'),
    );
    if (outcome.kind !== 'interrupted') return t.fail(JSON.stringify(outcome));
    t.like(outcome, { by: 'preempt', reason: 'to make room' });
    const nextRow = outcome.checkpoint?.nextRow ?? 0;
    t.true(nextRow > 0 && nextRow < 30_000, `checkpoint at row ${nextRow}`);
    const warm = runnerPids();
    t.is(warm.length, 1, 'the runner is kept warm');

    const resumed = await executor.run({ ...request, attempt: 2 }, placement, quietHooks());
    if (resumed.kind !== 'succeeded') return t.fail(JSON.stringify(resumed));
    t.like(resumed.result.details, { resumedFromRow: nextRow });
    t.deepEqual(runnerPids(), warm, 'in the same process');
  },
);

test.serial(
  'on shutdown a running inference attempt gets SIGTERM, saves a checkpoint and ends interrupted',
  async (t) => {
    const { outcome } = await interruptedMidRun(t, (executor) => void executor.close());
    if (outcome.kind !== 'interrupted') return t.fail(JSON.stringify(outcome));
    t.is(outcome.by, 'shutdown');
    t.true((outcome.checkpoint?.nextRow ?? 0) > 0);
  },
);

test.serial(
  'a runner SIGTERMed from outside (node drain) ends its attempt interrupted, not failed, with a checkpoint',
  async (t) => {
    const { outcome } = await interruptedMidRun(t, () => {
      for (const pid of runnerPids()) process.kill(pid, 'SIGTERM');
    });
    if (outcome.kind !== 'interrupted') return t.fail(JSON.stringify(outcome));
    t.is(outcome.by, 'terminated');
    t.true((outcome.checkpoint?.nextRow ?? 0) > 0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    t.deepEqual(runnerPids(), [], 'the terminated runner is not reused');
  },
);
