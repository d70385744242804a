import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { InputMismatchError, ModelError } from '../../kernels/kernel-errors.ts';
import { createMatrix, type Matrix, rowSlice } from '../../kernels/matrix.ts';
import { buildMlpModel, type MlpShape, mlpReference, mlpWeights } from '../../kernels/onnx/mlp-model.ts';
import { bindModel } from '../../kernels/onnx/model-binding.ts';
import { readModelSummary, summarizeModel } from '../../kernels/onnx/model-summary.ts';
import { type RowBatch, runBatches } from '../../kernels/onnx/run-inference.ts';
import {
  type LoadedModel,
  loadModel,
  providerPlan,
  releaseSessions,
  threadsForCpuMilli,
} from '../../kernels/onnx/session-cache.ts';
import { normal, seededRandom } from '../../kernels/seeded-random.ts';
import { firstMismatch } from '../support/float-comparison.ts';
import { temporaryDirectory } from '../support/npy-fixtures.ts';

const shape: MlpShape = { inputDim: 8, hiddenDims: [16], outputDim: 3, seed: 11 };

test.after.always(() => releaseSessions());

function features(rows: number, cols = 8) {
  const random = seededRandom(5);
  return createMatrix(
    rows,
    cols,
    Float32Array.from({ length: rows * cols }, () => normal(random) * 2),
  );
}

async function modelFile(t: Parameters<typeof temporaryDirectory>[0], mlp = shape): Promise<string> {
  const path = join(await temporaryDirectory(t), 'mlp.onnx');
  await writeFile(path, buildMlpModel(mlp));
  return path;
}

const noProgress = { signal: new AbortController().signal, onProgress: () => {} };

/** The whole matrix through the batch loop, outputs collected in order. */
async function runInference(
  model: LoadedModel,
  input: Matrix,
  batchSize: number,
  context: { signal: AbortSignal; onProgress: (done: number, total: number) => void },
): Promise<Matrix> {
  const binding = bindModel(model, {}, { dtype: 'float32', rowShape: [input.cols] });
  async function* batches(): AsyncGenerator<RowBatch> {
    for (let start = 0; start < input.rows; start += batchSize) {
      const end = Math.min(input.rows, start + batchSize);
      yield { rows: end - start, data: rowSlice(input, start, end) };
    }
  }
  const parts: Float32Array[] = [];
  let cols = 0;
  await runBatches(
    model,
    binding,
    batches(),
    async ({ outputs: [output] }) => {
      cols = output!.rowShape[0]!;
      parts.push(output!.data as Float32Array);
    },
    { ...context, totalRows: input.rows },
  );
  const data = new Float32Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    data.set(part, at);
    at += part.length;
  }
  return createMatrix(data.length / cols, cols, data);
}

test('the generated MLP run by onnxruntime matches its float64 reference', async (t) => {
  const model = await loadModel(await modelFile(t), []);
  const input = features(1000);
  const output = await runInference(model, input, 128, noProgress);
  t.deepEqual([output.rows, output.cols], [1000, 3]);
  t.is(firstMismatch(output.data, mlpReference(mlpWeights(shape), input)), undefined);
  // Softmax rows sum to one: the reference is not trivially matching a broken model.
  t.true(Math.abs(output.data[0]! + output.data[1]! + output.data[2]! - 1) < 1e-5);
});

test('weights depend only on the seed', (t) => {
  t.deepEqual(mlpWeights(shape), mlpWeights({ ...shape }));
  t.notDeepEqual(mlpWeights(shape)[0]!.weight, mlpWeights({ ...shape, seed: 12 })[0]!.weight);
});

test('rows run in micro-batches, with progress after each', async (t) => {
  const model = await loadModel(await modelFile(t), []);
  const progress: number[] = [];
  await runInference(model, features(10), 4, {
    ...noProgress,
    onProgress: (done: number) => progress.push(done),
  });
  t.deepEqual(progress, [4, 8, 10]);
});

test('an input whose width differs from the model input is refused', async (t) => {
  const model = await loadModel(await modelFile(t), []);
  await t.throwsAsync(() => runInference(model, features(4, 5), 2, noProgress), {
    instanceOf: InputMismatchError,
    message: 'input has 5 columns; model input "features" expects 8',
  });
});

test('without GPUs assigned CUDA is skipped, with the reason recorded', async (t) => {
  t.deepEqual(providerPlan([]), {
    providers: ['cpu'],
    skipped: ['cuda: skipped, no GPU assigned to this attempt'],
  });
  const model = await loadModel(await modelFile(t), []);
  t.is(model.backend, 'onnxruntime:cpu');
  t.deepEqual(model.fallbackReasons, ['cuda: skipped, no GPU assigned to this attempt']);
});

test('with a GPU assigned CUDA is tried first and, where it cannot load, CPU is used and the reason kept', async (t) => {
  const model = await loadModel(await modelFile(t), [0]);
  // On a machine with CUDA this would say onnxruntime:cuda; this test documents the fallback path.
  if (model.backend === 'onnxruntime:cuda') return t.pass('CUDA is available here');
  t.is(model.backend, 'onnxruntime:cpu');
  t.is(model.fallbackReasons.length, 1);
  t.regex(model.fallbackReasons[0]!, /^cuda: .+/);
});

test('intra-op threads follow the job CPU share: ceil(cpuMilli / 1000), at least one', (t) => {
  t.deepEqual([1, 999, 1000, 1001, 2500, 4000].map(threadsForCpuMilli), [1, 1, 1, 2, 3, 4]);
});

test('sessions are cached per thread count', async (t) => {
  const path = await modelFile(t);
  const one = await loadModel(path, [], { intraOpThreads: 1 });
  const two = await loadModel(path, [], { intraOpThreads: 2 });
  t.not(one, two);
  t.is(two.intraOpThreads, 2);
  t.is(await loadModel(path, [], { intraOpThreads: 2 }), two);
});

test('sessions are cached per model content: a touched file keeps its session, a changed one gets a new one', async (t) => {
  const path = await modelFile(t);
  const first = await loadModel(path, []);
  t.is(await loadModel(path, []), first);
  await utimes(path, new Date(), new Date(Date.now() + 5000));
  t.is(await loadModel(path, []), first, 'same bytes, same session');
  await writeFile(path, buildMlpModel({ ...shape, seed: 12 }));
  t.not(await loadModel(path, []), first);
});

test('a file that is not a model fails to load with a ModelError', async (t) => {
  const path = join(await temporaryDirectory(t), 'not-a-model.onnx');
  await writeFile(path, 'definitely not protobuf');
  await t.throwsAsync(() => loadModel(path, []), {
    instanceOf: ModelError,
    message: /cannot load the ONNX model/,
  });
});

test('the model summary reads inputs and outputs without a session', async (t) => {
  t.deepEqual(await readModelSummary(await modelFile(t)), {
    inputs: [{ name: 'features', type: 'float32', shape: ['N', 8] }],
    outputs: ['probabilities'],
  });
  t.throws(() => summarizeModel(Buffer.from('definitely not protobuf')), { instanceOf: ModelError });
  t.throws(() => summarizeModel(new Uint8Array()), { instanceOf: ModelError, message: /no graph/ });
});
