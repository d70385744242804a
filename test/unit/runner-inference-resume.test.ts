// Checkpoints: an inference attempt interrupted at any batch, or crashed after a checkpoint with more
// bytes written past it, resumes at the first unfinished row, and the final output is byte for byte the
// output of an uninterrupted run.
import { appendFile, copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import type { JobSpecInput } from '../../api/schemas/job-spec.ts';
import { createMatrix } from '../../kernels/matrix.ts';
import { buildMlpModel, type MlpShape } from '../../kernels/onnx/mlp-model.ts';
import { releaseSessions } from '../../kernels/onnx/session-cache.ts';
import { checkpointPathFor, workPathFor } from '../../runner/checkpoint.ts';
import { AttemptInterrupted, RunnerError } from '../../runner/errors.ts';
import { writeNpy } from '../../runner/io/npy.ts';
import type { AttemptCheckpoint, AttemptSuccess } from '../../runner/protocol.ts';
import { runAttempt } from '../../runner/run-attempt.ts';
import { inferenceJobSpec, kernelJobSpec } from '../support/job-specs.ts';
import { mlpWorkspace, temporaryDirectory } from '../support/npy-fixtures.ts';

const ROWS = 1000;
const mlp: MlpShape = { inputDim: 8, hiddenDims: [16], outputDim: 3, seed: 11 };
const features = createMatrix(
  ROWS,
  8,
  Float32Array.from({ length: ROWS * 8 }, (_, i) => Math.sin(i * 0.71) * 4),
);

test.after.always(() => releaseSessions());

const workspace = (t: ExecutionContext) => mlpWorkspace(t, features, mlp);

interface AttemptOptions {
  /** Interrupt once progress reaches this many rows (the attempt stops after that batch). */
  interruptAt?: number;
  checkpointIntervalMs?: number;
  onProgress?: (done: number) => void;
}

type Ended = { result: AttemptSuccess } | { interrupted: AttemptCheckpoint | undefined };

async function attempt(
  cwd: string,
  jobId: string,
  overrides: Partial<JobSpecInput>,
  options: AttemptOptions = {},
): Promise<Ended> {
  const interrupt = new AbortController();
  try {
    const result = await runAttempt(
      { jobId, attempt: 1, spec: inferenceJobSpec(overrides), cwd, gpuIndices: [] },
      {
        signal: new AbortController().signal,
        interrupt: interrupt.signal,
        ...(options.checkpointIntervalMs === undefined
          ? {}
          : { checkpointIntervalMs: options.checkpointIntervalMs }),
        onProgress: ({ done }) => {
          options.onProgress?.(done);
          if (options.interruptAt !== undefined && done >= options.interruptAt) interrupt.abort();
        },
      },
    );
    return { result };
  } catch (error) {
    if (error instanceof AttemptInterrupted) return { interrupted: error.checkpoint };
    throw error;
  }
}

const files = (cwd: string, dir: string) => readdir(join(cwd, dir)).then((names) => names.sort());

const softmaxReview = { batchSize: 64, postprocess: 'softmax', reviewBelow: 0.6 };

test('interrupted at several batches, including the first and the last full one, the resumed output and review file are byte-identical', async (t) => {
  const cwd = await workspace(t);
  const reference = await attempt(cwd, 'reference', { output: 'ref/out.npy', params: softmaxReview });
  t.true('result' in reference);

  const spec = { output: 'run/out.npy', params: softmaxReview };
  const stops: (AttemptCheckpoint | undefined)[] = [];
  for (const interruptAt of [1, 400, 960]) {
    const ended = await attempt(cwd, 'job-1', spec, { interruptAt });
    t.true('interrupted' in ended, `interrupted at ${interruptAt}`);
    if ('interrupted' in ended) stops.push(ended.interrupted);
  }
  // Each attempt stops after the batch during which it was asked: batches of 64 rows.
  t.deepEqual(stops, [
    { nextRow: 64, start: 0, end: ROWS },
    { nextRow: 448, start: 0, end: ROWS },
    { nextRow: 960, start: 0, end: ROWS },
  ]);
  const last = await attempt(cwd, 'job-1', spec);
  if (!('result' in last)) return t.fail('the last attempt did not finish');
  t.like(last.result.details, { resumedFromRow: 960 });
  t.is(last.result.rows, ROWS);

  t.deepEqual(await readFile(join(cwd, 'run/out.npy')), await readFile(join(cwd, 'ref/out.npy')));
  const review = await readFile(join(cwd, 'run/review.jsonl'), 'utf8');
  t.true(review.length > 0, 'some rows went to review');
  t.is(review, await readFile(join(cwd, 'ref/review.jsonl'), 'utf8'));
  t.deepEqual(await files(cwd, 'run'), ['out.npy', 'review.jsonl'], 'no checkpoint or work file is left');
});

test('a crash after a periodic checkpoint, with part of a batch written past it, resumes at the checkpoint with identical bytes', async (t) => {
  const cwd = await workspace(t);
  await attempt(cwd, 'reference', { output: 'ref/out.npy', params: softmaxReview });
  const spec = { output: 'run/out.npy', params: softmaxReview };
  const output = join(cwd, 'run/out.npy');
  const checkpoint = checkpointPathFor(output, 'job-1');
  const saved = join(cwd, 'saved-checkpoint.json');
  let copied: Promise<void> | undefined;
  // Checkpoints after every batch; the one present after 320 rows is kept as "the last before the crash".
  await attempt(cwd, 'job-1', spec, {
    checkpointIntervalMs: 0,
    interruptAt: 700,
    onProgress: (done) => {
      if (done === 320) copied = copyFile(checkpoint, saved);
    },
  });
  await copied;
  // The crash: the work files hold rows up to 704 (and then some garbage), the checkpoint vouches for less.
  await copyFile(saved, checkpoint);
  await appendFile(workPathFor(output, 'job-1'), Buffer.from([1, 2, 3, 4, 5]));
  await appendFile(workPathFor(join(cwd, 'run/review.jsonl'), 'job-1'), '{"row":');
  const vouched = JSON.parse(await readFile(checkpoint, 'utf8')) as { nextRow: number };
  t.true(vouched.nextRow > 0 && vouched.nextRow < 704);

  const resumed = await attempt(cwd, 'job-1', spec);
  if (!('result' in resumed)) return t.fail('the resumed attempt did not finish');
  t.like(resumed.result.details, { resumedFromRow: vouched.nextRow });
  t.deepEqual(await readFile(output), await readFile(join(cwd, 'ref/out.npy')));
  t.is(
    await readFile(join(cwd, 'run/review.jsonl'), 'utf8'),
    await readFile(join(cwd, 'ref/review.jsonl'), 'utf8'),
  );
});

test('a shard with a JSONL topk output resumes within its slice, byte-identical', async (t) => {
  const cwd = await workspace(t);
  const params = { batchSize: 50, postprocess: 'topk', k: 2, shard: { index: 1, count: 3 } };
  await attempt(cwd, 'reference', { output: 'ref/top.jsonl', params });
  const spec = { output: 'run/top.jsonl', params };
  const stopped = await attempt(cwd, 'job-1', spec, { interruptAt: 120 });
  // The shard is rows [333, 666): batches of 50 from 333.
  t.deepEqual('interrupted' in stopped && stopped.interrupted, { nextRow: 483, start: 333, end: 666 });
  const resumed = await attempt(cwd, 'job-1', spec);
  if (!('result' in resumed)) return t.fail('the resumed attempt did not finish');
  t.like(resumed.result.details, { resumedFromRow: 483 });
  t.is(resumed.result.rows, 333);
  t.is(
    await readFile(join(cwd, 'run/top.jsonl'), 'utf8'),
    await readFile(join(cwd, 'ref/top.jsonl'), 'utf8'),
  );
});

test('a CSV input resumes at its row too (the parsing worker starts there), byte-identical', async (t) => {
  const cwd = await workspace(t);
  const lines = Array.from({ length: ROWS }, (_, r) =>
    Array.from(features.data.subarray(r * 8, r * 8 + 8)).join(','),
  );
  await writeFile(join(cwd, 'features.csv'), `${lines.join('\n')}\n`);
  const spec = { input: 'features.csv', params: { batchSize: 100 } };
  await attempt(cwd, 'reference', { ...spec, output: 'ref/out.jsonl' });
  const stopped = await attempt(cwd, 'job-1', { ...spec, output: 'run/out.jsonl' }, { interruptAt: 250 });
  t.deepEqual('interrupted' in stopped && stopped.interrupted?.nextRow, 300);
  const resumed = await attempt(cwd, 'job-1', { ...spec, output: 'run/out.jsonl' });
  if (!('result' in resumed)) return t.fail('the resumed attempt did not finish');
  t.like(resumed.result.details, { resumedFromRow: 300 });
  t.is(
    await readFile(join(cwd, 'run/out.jsonl'), 'utf8'),
    await readFile(join(cwd, 'ref/out.jsonl'), 'utf8'),
  );
});

test('a checkpoint is not resumed when the job changed: other params, another model, or another job id', async (t) => {
  const cwd = await workspace(t);
  const spec = { output: 'run/out.npy', params: { batchSize: 64 } };
  const stopped = await attempt(cwd, 'job-1', spec, { interruptAt: 200 });
  t.true('interrupted' in stopped);

  const otherBatch = await attempt(
    cwd,
    'job-1',
    { ...spec, params: { batchSize: 32 } },
    { interruptAt: 200 },
  );
  t.true('interrupted' in otherBatch, 'started over and stopped again');
  await writeFile(join(cwd, 'mlp.onnx'), buildMlpModel({ ...mlp, seed: 12 }));
  const otherModel = await attempt(cwd, 'job-1', { ...spec, params: { batchSize: 32 } });
  if (!('result' in otherModel)) return t.fail('did not finish');
  t.is(otherModel.result.details?.resumedFromRow, undefined, 'a changed model file starts over');

  const first = await attempt(cwd, 'job-2', spec, { interruptAt: 200 });
  t.true('interrupted' in first);
  const otherJob = await attempt(cwd, 'job-3', spec);
  if (!('result' in otherJob)) return t.fail('did not finish');
  t.is(otherJob.result.details?.resumedFromRow, undefined, "another job's checkpoint is not used");
});

test('a cancel after an interrupt removes the checkpoint and work files', async (t) => {
  const cwd = await workspace(t);
  const spec = { output: 'run/out.npy', params: softmaxReview };
  await attempt(cwd, 'job-1', spec, { interruptAt: 100 });
  t.true((await files(cwd, 'run')).some((name) => name.endsWith('.checkpoint.json')));
  const cancel = new AbortController();
  const error = await t.throwsAsync(
    runAttempt(
      { jobId: 'job-1', attempt: 2, spec: inferenceJobSpec(spec), cwd, gpuIndices: [] },
      { signal: cancel.signal, onProgress: ({ done }) => done >= 300 && cancel.abort() },
    ),
  );
  t.true(error instanceof RunnerError && error.code === 'CANCELLED');
  t.deepEqual(await files(cwd, 'run'), []);
});

test('an interrupted kernel attempt keeps no checkpoint and writes no output: it starts over', async (t) => {
  const cwd = await temporaryDirectory(t);
  await writeNpy(
    join(cwd, 'matrix.npy'),
    createMatrix(2000, 4, Float32Array.from({ length: 8000 }, Math.sqrt)),
  );
  const interrupt = new AbortController();
  interrupt.abort();
  const error = await t.throwsAsync(
    runAttempt(
      { jobId: 'job-1', attempt: 1, spec: kernelJobSpec(), cwd, gpuIndices: [] },
      { signal: new AbortController().signal, interrupt: interrupt.signal, onProgress: () => {} },
    ),
  );
  t.true(error instanceof AttemptInterrupted);
  t.is((error as AttemptInterrupted).checkpoint, undefined);
  t.false((await readdir(cwd)).includes('out'));
});
