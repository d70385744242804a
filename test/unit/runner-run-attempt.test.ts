import { access, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import type { JobSpec } from '../../api/schemas/job-spec.ts';
import { destroySharedGpu } from '../../kernels/gpujs/gpu-instance.ts';
import { createMatrix } from '../../kernels/matrix.ts';
import { buildMlpModel, type MlpShape, mlpReference, mlpWeights } from '../../kernels/onnx/mlp-model.ts';
import { releaseSessions } from '../../kernels/onnx/session-cache.ts';
import { standardizeReference } from '../../kernels/standardize.ts';
import { RunnerError, type RunnerErrorCode } from '../../runner/errors.ts';
import { readJsonl } from '../../runner/io/jsonl.ts';
import { readNpy, writeNpy } from '../../runner/io/npy.ts';
import type { AttemptProgress } from '../../runner/protocol.ts';
import { type AttemptHooks, runAttempt } from '../../runner/run-attempt.ts';
import { firstMismatch } from '../support/float-comparison.ts';
import { inferenceJobSpec, kernelJobSpec } from '../support/job-specs.ts';
import { npyBytes, temporaryDirectory } from '../support/npy-fixtures.ts';

const mlp: MlpShape = { inputDim: 8, hiddenDims: [16], outputDim: 3, seed: 3 };
const matrix = createMatrix(
  600,
  4,
  Float32Array.from({ length: 2400 }, (_, i) => (i % 11 === 0 ? Number.NaN : Math.sin(i) * (1 + (i % 4)))),
);
const features = createMatrix(
  300,
  8,
  Float32Array.from({ length: 2400 }, (_, i) => Math.cos(i * 0.37)),
);

test.after.always(async () => {
  await destroySharedGpu();
  await releaseSessions();
});

/** A working directory with matrix.npy, features.npy and mlp.onnx. */
async function workspace(t: Parameters<typeof temporaryDirectory>[0]): Promise<string> {
  const cwd = await temporaryDirectory(t);
  await writeNpy(join(cwd, 'matrix.npy'), matrix);
  await writeNpy(join(cwd, 'features.npy'), features);
  await writeFile(join(cwd, 'mlp.onnx'), buildMlpModel(mlp));
  return cwd;
}

function hooks(signal = new AbortController().signal) {
  const progress: AttemptProgress[] = [];
  const backends: string[] = [];
  const attemptHooks: AttemptHooks = {
    signal,
    onProgress: (p) => progress.push(p),
    onBackend: (backend) => backends.push(backend),
  };
  return { attemptHooks, progress, backends };
}

function request(cwd: string, spec: JobSpec, gpuIndices: number[] = []) {
  return { jobId: 'job-1', attempt: 1, spec, cwd, gpuIndices };
}

test('a standardize job reads its input relative to cwd and commits the standardized matrix', async (t) => {
  const cwd = await workspace(t);
  const { attemptHooks, progress, backends } = hooks();
  const result = await runAttempt(request(cwd, kernelJobSpec({ params: { ddof: 1 } })), attemptHooks);
  t.is(result.output, join(cwd, 'out', 'standardized.npy'));
  t.is(result.rows, 600);
  t.regex(result.backend, /^gpu\.js:/);
  t.deepEqual(backends, [result.backend]);
  t.deepEqual(progress.at(-1), { done: 600, total: 600 });
  const written = await readNpy(result.output);
  t.is(firstMismatch(written.data, standardizeReference(matrix, { ddof: 1 })), undefined);
});

test('an inference job writes the first model output as JSONL when the output ends in .jsonl', async (t) => {
  const cwd = await workspace(t);
  const spec = inferenceJobSpec({ output: 'out/probabilities.jsonl', params: { batchSize: 64 } });
  const { attemptHooks, progress } = hooks();
  const result = await runAttempt(request(cwd, spec), attemptHooks);
  t.is(result.backend, 'onnxruntime:cpu');
  t.is(result.rows, 300);
  // First the total once the input is read, then after each micro-batch.
  t.deepEqual(
    progress.map((p) => p.done),
    [0, 64, 128, 192, 256, 300],
  );
  t.true(progress.every((p) => p.total === 300));
  t.like(result.details, { batchSize: 64, outputName: 'probabilities', cols: 3 });
  const written = await readJsonl(join(cwd, 'out', 'probabilities.jsonl'));
  t.is(firstMismatch(written.data, mlpReference(mlpWeights(mlp), features)), undefined);
});

// Serial: where an adapter answers, enabling WebGPU replaces the shared gpu.js instance.
test.serial(
  'a kernel job given a GPU runs on WebGPU where an adapter answers, and else says why not',
  async (t) => {
    const cwd = await workspace(t);
    const result = await runAttempt(request(cwd, kernelJobSpec(), [0]), hooks().attemptHooks);
    const written = await readNpy(result.output);
    t.is(firstMismatch(written.data, standardizeReference(matrix, { ddof: 0 })), undefined);
    if (result.backend === 'gpu.js:webgpu') return t.is(result.details?.['webGpuUnavailable'], undefined);
    t.regex(String(result.details?.['webGpuUnavailable']), /Dawn|adapter/);
  },
);

test('a kernel job without GPUs does not try WebGPU', async (t) => {
  const cwd = await workspace(t);
  const result = await runAttempt(request(cwd, kernelJobSpec()), hooks().attemptHooks);
  t.false('webGpuUnavailable' in (result.details ?? {}));
});

test('an inference job given a GPU records why it fell back to CPU', async (t) => {
  const cwd = await workspace(t);
  const result = await runAttempt(request(cwd, inferenceJobSpec(), [0]), hooks().attemptHooks);
  if (result.backend === 'onnxruntime:cuda') return t.pass('CUDA is available here');
  t.is(result.backend, 'onnxruntime:cpu');
  t.regex(String((result.details?.['fallbackReasons'] as string[] | undefined)?.[0]), /^cuda: /);
});

const failures: {
  name: string;
  spec: (cwd: string) => Promise<JobSpec> | JobSpec;
  code: RunnerErrorCode;
  message: RegExp;
}[] = [
  {
    name: 'an unknown kernel',
    spec: () => kernelJobSpec({ kernel: 'normalize' }),
    code: 'UNKNOWN_KERNEL',
    message: /unknown kernel "normalize"; known: cosine-topk, impute, matmul, minmax, profile, standardize/,
  },
  {
    name: 'bad kernel params',
    spec: () => kernelJobSpec({ params: { ddof: 3 } }),
    code: 'BAD_PARAMS',
    message: /params\.ddof: must be 0 or 1/,
  },
  {
    name: 'bad inference params (in a spec queued before the schema checked them)',
    spec: () => ({ ...inferenceJobSpec(), params: { batchSize: 0 } }),
    code: 'BAD_PARAMS',
    message: /params\.batchSize/,
  },
  {
    name: 'a missing model',
    spec: () => inferenceJobSpec({ model: 'nope.onnx' }),
    code: 'MODEL_NOT_FOUND',
    message: /nope\.onnx/,
  },
  {
    name: 'a model file that is not ONNX',
    spec: async (cwd) => {
      await writeFile(join(cwd, 'junk.onnx'), 'junk');
      return inferenceJobSpec({ model: 'junk.onnx' });
    },
    code: 'MODEL_INVALID',
    message: /cannot load the ONNX model/,
  },
  {
    name: 'a missing input',
    spec: () => kernelJobSpec({ input: 'missing.npy' }),
    code: 'INPUT_NOT_FOUND',
    message: /missing\.npy/,
  },
  {
    name: 'a malformed input',
    spec: async (cwd) => {
      await writeFile(join(cwd, 'fortran.npy'), npyBytes({ fortranOrder: 'True' }));
      return kernelJobSpec({ input: 'fortran.npy' });
    },
    code: 'INPUT_MALFORMED',
    message: /fortran\.npy: fortran_order True/,
  },
  {
    name: 'an input narrower than the model expects',
    spec: () => inferenceJobSpec({ input: 'matrix.npy' }),
    code: 'INPUT_MALFORMED',
    message: /input has 4 columns; model input "features" expects 8/,
  },
  {
    name: 'an unsupported input extension',
    spec: () => kernelJobSpec({ input: 'matrix.csv' }),
    code: 'INPUT_MALFORMED',
    message: /unsupported file type \(\.csv\)/,
  },
  {
    name: 'an unsupported output extension',
    spec: () => kernelJobSpec({ output: 'out/result.parquet' }),
    code: 'OUTPUT_UNSUPPORTED',
    message: /unsupported file type \(\.parquet\)/,
  },
];

for (const { name, spec, code, message } of failures) {
  test(`${name} fails with ${code}, not retryable, and writes nothing`, async (t) => {
    const cwd = await workspace(t);
    const error = await t.throwsAsync(
      async () => runAttempt(request(cwd, await spec(cwd)), hooks().attemptHooks),
      {
        instanceOf: RunnerError,
      },
    );
    t.is(error.code, code);
    t.false(error.retryable);
    t.regex(error.message, message);
    await t.throwsAsync(() => access(join(cwd, 'out')));
  });
}

test('a cancelled attempt fails with CANCELLED and commits no output', async (t) => {
  const cwd = await workspace(t);
  const controller = new AbortController();
  const attemptHooks: AttemptHooks = {
    signal: controller.signal,
    onProgress: () => controller.abort(),
  };
  const spec = inferenceJobSpec({ params: { batchSize: 10 } });
  const error = await t.throwsAsync(() => runAttempt(request(cwd, spec), attemptHooks), {
    instanceOf: RunnerError,
  });
  t.is(error.code, 'CANCELLED');
  // The output directory may have been created; nothing in it, not even a temporary file, remains.
  t.deepEqual(await readdir(join(cwd, 'out')).catch(() => []), []);
});

test('an output that cannot be written fails retryably and leaves what was in the way untouched', async (t) => {
  const cwd = await workspace(t);
  // A file where the output directory should be: mkdir fails the same way a full disk would.
  await writeFile(join(cwd, 'out'), 'in the way');
  const error = await t.throwsAsync(() => runAttempt(request(cwd, kernelJobSpec()), hooks().attemptHooks), {
    instanceOf: RunnerError,
  });
  t.is(error.code, 'OUTPUT_FAILED');
  t.true(error.retryable);
  t.is(await readFile(join(cwd, 'out'), 'utf8'), 'in the way');
  t.deepEqual((await readdir(cwd)).sort(), ['features.npy', 'matrix.npy', 'mlp.onnx', 'out']);
});
