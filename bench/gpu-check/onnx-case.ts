// ONNX Runtime in the GPU check: a generated MLP loaded the way the runner loads it (kernels/onnx/
// session-cache.ts: CUDA then CPU for an attempt with GPUs, with the reason any provider was passed
// over), timed on the provider that loaded and on the CPU provider, and checked against the model's
// float64 reference on a few rows.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { createMatrix } from '../../kernels/matrix.ts';
import {
  buildMlpModel,
  MLP_INPUT_NAME,
  MLP_OUTPUT_NAME,
  type MlpShape,
  mlpReference,
  mlpWeights,
} from '../../kernels/onnx/mlp-model.ts';
import { type LoadedModel, loadModel, releaseSessions } from '../../kernels/onnx/session-cache.ts';
import { normal, seededRandom } from '../../kernels/seeded-random.ts';
import { elementwiseMismatch } from './compare.ts';
import type { CheckSize } from './kernel-cases.ts';

export interface InferenceRun {
  /** What was asked: 'gpu' (providers cuda, cpu; as an attempt given GPU 0) or 'cpu'. */
  asked: 'gpu' | 'cpu';
  /** The provider that ran, e.g. "onnxruntime:cpu". */
  backend: string;
  /** Why earlier providers were not used. */
  fallbackReasons: string[];
  ms: number;
  rowsPerSec: number;
  /** 'ok' or the first probability outside tolerance. */
  check: string;
}

export interface InferenceCheck {
  model: string;
  rows: number;
  batchSize: number;
  intraOpThreads: number;
  /** Whether onnxruntime-node has the CUDA provider library at all, and where it looked. */
  cudaProviderLibrary: string;
  runs: InferenceRun[];
}

const SHAPES: Record<CheckSize, { shape: MlpShape; rows: number; batch: number; checkedRows: number }> = {
  tiny: {
    shape: { inputDim: 16, hiddenDims: [32], outputDim: 3, seed: 11 },
    rows: 64,
    batch: 16,
    checkedRows: 64,
  },
  medium: {
    shape: { inputDim: 256, hiddenDims: [1024, 1024], outputDim: 16, seed: 11 },
    rows: 4096,
    batch: 512,
    checkedRows: 16,
  },
  full: {
    shape: { inputDim: 1024, hiddenDims: [4096, 4096, 1024], outputDim: 16, seed: 11 },
    rows: 8192,
    batch: 1024,
    checkedRows: 4,
  },
};

/**
 * Tolerance on softmax probabilities: the CPU provider sums in float32 (the unit tests hold it to 1e-5
 * relative); CUDA may run Gemm in TF32 (10-bit mantissa), so its probabilities are held to 2e-3 absolute.
 */
const TOLERANCE = {
  cpu: { relative: 1e-5, absoluteFloor: 1e-6 },
  cuda: { relative: 0, absoluteFloor: 2e-3 },
};

export async function inferenceCheck(
  size: CheckSize,
  progress: (line: string) => void,
): Promise<InferenceCheck> {
  const { shape, rows, batch, checkedRows } = SHAPES[size];
  const dir = await mkdtemp(join(tmpdir(), 'gpubatch-gpu-check-'));
  const threads = availableParallelism();
  try {
    const path = join(dir, 'mlp.onnx');
    await writeFile(path, buildMlpModel(shape));
    const random = seededRandom(12);
    const input = createMatrix(
      rows,
      shape.inputDim,
      Float32Array.from({ length: rows * shape.inputDim }, () => normal(random)),
    );
    const expected = mlpReference(
      mlpWeights(shape),
      createMatrix(checkedRows, shape.inputDim, input.data.slice(0, checkedRows * shape.inputDim)),
    );
    const runs: InferenceRun[] = [];
    for (const asked of ['gpu', 'cpu'] as const) {
      const loaded = await loadModel(path, asked === 'gpu' ? [0] : [], { intraOpThreads: threads });
      // An attempt with GPUs that fell back to the CPU provider measures what the CPU run measures.
      if (runs.some((run) => run.backend === loaded.backend)) continue;
      progress(`onnxruntime: ${loaded.backend} (${asked} asked) ...`);
      const { ms, output } = await timeInference(loaded, input.data, rows, shape.inputDim, batch);
      const provider = loaded.backend === 'onnxruntime:cuda' ? 'cuda' : 'cpu';
      const tolerance = TOLERANCE[provider];
      const mismatch = elementwiseMismatch(
        output.subarray(0, checkedRows * shape.outputDim),
        expected,
        tolerance.relative,
        tolerance.absoluteFloor,
      );
      runs.push({
        asked,
        backend: loaded.backend,
        fallbackReasons: loaded.fallbackReasons,
        ms: Math.round(ms * 10) / 10,
        rowsPerSec: Math.round((rows / ms) * 1e3),
        check: mismatch ?? 'ok',
      });
    }
    const model = `MLP ${shape.inputDim}-${shape.hiddenDims.join('-')}-${shape.outputDim}`;
    return {
      model,
      rows,
      batchSize: batch,
      intraOpThreads: threads,
      cudaProviderLibrary: cudaLibrary(),
      runs,
    };
  } finally {
    await releaseSessions();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * onnxruntime-node's npm package carries the CPU provider only; its install script downloads the CUDA
 * provider (libonnxruntime_providers_cuda.so), and this project installs without scripts.
 */
function cudaLibrary(): string {
  const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
  const dir = join(dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
  const path = join(dir, 'libonnxruntime_providers_cuda.so');
  return existsSync(path)
    ? `present: ${path}`
    : `missing: no libonnxruntime_providers_cuda.so in ${dir} (the npm package ships the CPU provider; ` +
        'its install script, not run here, downloads CUDA)';
}

/** One warm-up batch, then every row in batches; returns the probabilities of all rows. */
async function timeInference(
  loaded: LoadedModel,
  data: Float32Array,
  rows: number,
  width: number,
  batch: number,
): Promise<{ ms: number; output: Float32Array }> {
  const run = async (start: number, count: number) => {
    const feeds = {
      [MLP_INPUT_NAME]: new ort.Tensor('float32', data.subarray(start * width, (start + count) * width), [
        count,
        width,
      ]),
    };
    const result = await loaded.session.run(feeds);
    return result[MLP_OUTPUT_NAME]!.data as Float32Array;
  };
  await run(0, Math.min(batch, rows));
  const parts: Float32Array[] = [];
  const started = performance.now();
  for (let start = 0; start < rows; start += batch)
    parts.push(await run(start, Math.min(batch, rows - start)));
  const ms = performance.now() - started;
  const output = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    output.set(part, offset);
    offset += part.length;
  }
  return { ms, output };
}
