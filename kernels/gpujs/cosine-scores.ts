// Dot products of query vectors with corpus rows on gpu.js, one (query block x corpus tile) per call.
// Each thread scores one corpus row against four queries, so each corpus value it loads (a per-lane
// gather on webasm) serves four multiply-adds; the query reads are the same for every lane.
import type {
  GPU,
  IGPUKernelSettings,
  IKernelFunctionThis,
  IKernelRunShortcut,
  KernelFunction,
} from 'gpu.js';
import { gpuBackendName } from './gpu-instance.ts';
import { vec4Values } from './vec4-output.ts';

/** Loops with a variable bound stop after loopMaxIterations (gpu.js default 1000) without a word. */
export const MAX_DIMENSIONS = 1 << 16;

type ScoreThis = IKernelFunctionThis<{ maxDimensions: number }>;

const scoreFourQueries: KernelFunction<[number[], number[], number], { maxDimensions: number }> = function (
  this: ScoreThis,
  corpus: number[],
  queries: number[],
  dimensions: number,
) {
  const row = this.thread.x * dimensions;
  const query = this.thread.y * 4 * dimensions;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = 0; i < dimensions; i++) {
    const value = corpus[row + i]!;
    s0 += value * queries[query + i]!;
    s1 += value * queries[query + dimensions + i]!;
    s2 += value * queries[query + 2 * dimensions + i]!;
    s3 += value * queries[query + 3 * dimensions + i]!;
  }
  return [s0, s1, s2, s3];
};

/** One compiled kernel per GPU instance; shapes vary per call through dynamic output and arguments. */
const kernels = new WeakMap<GPU, IKernelRunShortcut>();

/**
 * Scores of `corpusRows` rows against `paddedQueries` (a multiple of 4) queries, flat: the score of
 * corpus row x with query q is at ((q >> 2) * corpusRows + x) * 4 + (q & 3).
 */
export async function dotScores(
  gpu: GPU,
  corpus: Float32Array,
  corpusRows: number,
  queries: Float32Array,
  paddedQueries: number,
  dimensions: number,
): Promise<{ scores: Float32Array; backend: string }> {
  let kernel = kernels.get(gpu);
  if (!kernel) {
    // loopMaxIterations and returnType are gpu.js settings its typings leave out.
    const settings: IGPUKernelSettings & { loopMaxIterations: number; returnType: string } = {
      output: [1, 1],
      dynamicOutput: true,
      dynamicArguments: true,
      returnType: 'Array(4)',
      constants: { maxDimensions: MAX_DIMENSIONS },
      loopMaxIterations: MAX_DIMENSIONS,
      precision: 'single',
      tactic: 'precision',
    };
    kernel = gpu.createKernel(scoreFourQueries, settings);
    kernels.set(gpu, kernel);
  }
  kernel.setOutput([corpusRows, paddedQueries / 4]);
  const result = await kernel(corpus, queries, dimensions);
  return { scores: vec4Values(result, corpusRows * (paddedQueries / 4)), backend: gpuBackendName(kernel) };
}
