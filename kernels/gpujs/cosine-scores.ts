// Dot products of query vectors with corpus rows on gpu.js, one corpus tile per call. Each thread scores
// one query (the lane axis) against four corpus rows: on webasm every lane-varying read is four scalar
// loads, so each loaded query value serves four multiply-adds, and the corpus reads, the same for every
// lane, are single loads. Threads run query-fastest, so the queries stay in cache while the corpus tile
// streams past once.
import type { GPU, IKernelFunctionThis, KernelFunction } from 'gpu.js';
import { gpuBackendName } from './gpu-instance.ts';
import { vec4Kernel } from './vec4-kernel.ts';
import { vec4Values } from './vec4-output.ts';

/** Loops with a variable bound stop after loopMaxIterations (gpu.js default 1000) without a word. */
export const MAX_DIMENSIONS = 1 << 16;

type ScoreThis = IKernelFunctionThis<{ maxDimensions: number }>;

const scoreFourRows: KernelFunction<[number[], number[], number], { maxDimensions: number }> = function (
  this: ScoreThis,
  queries: number[],
  corpus: number[],
  dimensions: number,
) {
  const query = this.thread.x * dimensions;
  const row = this.thread.y * 4 * dimensions;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = 0; i < dimensions; i++) {
    const value = queries[query + i]!;
    s0 += value * corpus[row + i]!;
    s1 += value * corpus[row + dimensions + i]!;
    s2 += value * corpus[row + 2 * dimensions + i]!;
    s3 += value * corpus[row + 3 * dimensions + i]!;
  }
  return [s0, s1, s2, s3];
};

/**
 * Scores of `queryCount` queries against `paddedRows` corpus rows (a multiple of 4), flat: the score of
 * query q with corpus row r is at ((r >> 2) * queryCount + q) * 4 + (r & 3).
 */
export async function dotScores(
  gpu: GPU,
  queries: Float32Array,
  queryCount: number,
  corpus: Float32Array,
  paddedRows: number,
  dimensions: number,
): Promise<{ scores: Float32Array; backend: string }> {
  const kernel = vec4Kernel(gpu, scoreFourRows, { maxDimensions: MAX_DIMENSIONS }, MAX_DIMENSIONS);
  kernel.setOutput([queryCount, paddedRows / 4]);
  const result = await kernel(queries, corpus, dimensions);
  return { scores: vec4Values(result, queryCount * (paddedRows / 4)), backend: gpuBackendName(kernel) };
}
