// cosine-topk: for each query row of the input, the k corpus rows (params.corpus) with the highest cosine
// similarity. Dot products on gpu.js in tiles; norms in float64 and the top-k selection on the CPU.
import { dotScores, MAX_DIMENSIONS } from './gpujs/cosine-scores.ts';
import { sharedGpu } from './gpujs/gpu-instance.ts';
import { DEFAULT_TILING, multipleOf4, roundUpTo4, type Tiling } from './gpujs/tiling.ts';
import { copyBlock } from './gpujs/vec4-output.ts';
import {
  type KernelContext,
  type KernelDefinition,
  type KernelResult,
  type ParamsResult,
  unknownParamProblems,
} from './kernel-definition.ts';
import { InputMismatchError } from './kernel-errors.ts';
import { createMatrix, type Matrix } from './matrix.ts';
import { integerParam, pathParam } from './param-checks.ts';
import { TopK } from './top-k.ts';

export interface CosineTopkParams {
  /** Path of the corpus matrix (.npy or .jsonl), one vector per row, relative to the working directory. */
  corpus: string;
  k: number;
}

/** Row indices are written as float32, which holds every integer up to 2^24 exactly. */
export const MAX_CORPUS_ROWS = 1 << 24;

export const cosineTopk: KernelDefinition<CosineTopkParams> = {
  name: 'cosine-topk',
  description:
    'For each query row of the input, the k rows of params.corpus most similar by cosine. Output: one row ' +
    'per query, k corpus row indices (best first, ties to the lower index) then their k scores. Corpus rows ' +
    'with NaN or norm 0 are never returned; a query with NaN or norm 0, or a corpus with fewer than k usable ' +
    'rows, leaves index -1 and score NaN. Params: corpus (path), k (1..1024, default 10).',
  secondInput: 'corpus',
  parseParams,
  run: async (input, params, context, corpus) =>
    cosineTopkOnGpu(input, requireCorpus(input, corpus), params.k, context),
  reference: (input, params, corpus) => cosineTopkReference(input, requireCorpus(input, corpus), params.k),
};

function parseParams(raw: Record<string, unknown>): ParamsResult<CosineTopkParams> {
  const problems = unknownParamProblems(raw, ['corpus', 'k']);
  const corpus = pathParam(raw, 'corpus', problems);
  const k = integerParam(raw, 'k', { min: 1, max: 1024, fallback: 10 }, problems);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, params: { corpus, k } };
}

function requireCorpus(queries: Matrix, corpus: Matrix | undefined): Matrix {
  if (!corpus) throw new InputMismatchError('cosine-topk needs a corpus (params.corpus)');
  if (queries.cols !== corpus.cols) {
    throw new InputMismatchError(
      `vector lengths differ: the queries (input) have ${queries.cols} columns, params.corpus has ${corpus.cols}`,
    );
  }
  if (corpus.cols > MAX_DIMENSIONS) {
    throw new InputMismatchError(
      `params.corpus has ${corpus.cols} columns; at most ${MAX_DIMENSIONS} are supported`,
    );
  }
  if (corpus.rows > MAX_CORPUS_ROWS) {
    throw new InputMismatchError(
      `params.corpus has ${corpus.rows} rows; indices are written as float32, exact up to ${MAX_CORPUS_ROWS}`,
    );
  }
  return corpus;
}

/** 1 / norm per row, or NaN for a row that has NaN or norm 0 (it has no direction). */
function inverseNorms(matrix: Matrix): Float64Array {
  const inverse = new Float64Array(matrix.rows);
  for (let r = 0; r < matrix.rows; r++) {
    let squares = 0;
    for (let c = 0; c < matrix.cols; c++) squares += matrix.data[r * matrix.cols + c]! ** 2;
    inverse[r] = squares > 0 ? 1 / Math.sqrt(squares) : Number.NaN;
  }
  return inverse;
}

export async function cosineTopkOnGpu(
  queries: Matrix,
  corpus: Matrix,
  k: number,
  context: KernelContext,
  tiling: Tiling = DEFAULT_TILING,
): Promise<KernelResult> {
  const dimensions = queries.cols;
  const output = createMatrix(queries.rows, 2 * k);
  const queryNorms = inverseNorms(queries);
  const corpusNorms = inverseNorms(corpus);
  const perBuffer = Math.max(1, Math.floor(tiling.maxValues / Math.max(1, dimensions)));
  const queryTile = Math.max(1, Math.min(perBuffer, Math.floor(tiling.maxValues / 4)));
  let backend = '';
  for (let q0 = 0; q0 < queries.rows; q0 += queryTile) {
    const q1 = Math.min(queries.rows, q0 + queryTile);
    const count = q1 - q0;
    const block = queries.data.subarray(q0 * dimensions, q1 * dimensions);
    const best = Array.from({ length: count }, () => new TopK(k));
    const corpusTile = multipleOf4(Math.min(perBuffer, tiling.maxValues / count));
    for (let c0 = 0; c0 < corpus.rows && dimensions > 0; c0 += corpusTile) {
      context.signal.throwIfAborted();
      const c1 = Math.min(corpus.rows, c0 + corpusTile);
      const padded = roundUpTo4(c1 - c0);
      const tile = copyBlock(corpus.data, dimensions, [c0, c1], [0, dimensions], padded);
      const result = await dotScores(sharedGpu(), block, count, tile, padded, dimensions);
      if (!backend) {
        backend = result.backend;
        context.onBackend(backend);
      }
      offerTile(result.scores, best, queryNorms.subarray(q0, q1), corpusNorms, c0, c1);
      context.onProgress(q0 + Math.floor((count * c1) / corpus.rows), queries.rows);
      // Let IPC messages (cancel) in between calls.
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (let q = 0; q < count; q++) {
      const row = output.data.subarray((q0 + q) * 2 * k, (q0 + q + 1) * 2 * k);
      row.set(best[q]!.indices);
      row.set(best[q]!.scores, k);
    }
    context.onProgress(q1, queries.rows);
  }
  return { output, backend: backend || 'none (empty input)' };
}

/** Scores in memory order (four rows for each query in turn), so each query sees rows in index order. */
function offerTile(
  scores: Float32Array,
  best: TopK[],
  queryNorms: Float64Array,
  corpusNorms: Float64Array,
  c0: number,
  c1: number,
): void {
  const count = best.length;
  for (let block = 0; block * 4 < c1 - c0; block++) {
    const rows = Math.min(4, c1 - c0 - block * 4);
    for (let q = 0; q < count; q++) {
      const queryScale = queryNorms[q]!;
      // A query without direction gets no candidates.
      if (Number.isNaN(queryScale)) continue;
      const base = (block * count + q) * 4;
      for (let lane = 0; lane < rows; lane++) {
        const row = c0 + block * 4 + lane;
        // NaN (a corpus row without direction) never beats the threshold.
        best[q]!.offer(row, scores[base + lane]! * queryScale * corpusNorms[row]!);
      }
    }
  }
}

/** Every score in float64, sorted (best first, then lower index), the first k taken. */
export function cosineTopkReference(queries: Matrix, corpus: Matrix, k: number): Float64Array {
  const result = new Float64Array(queries.rows * 2 * k);
  const corpusNorms = inverseNorms(corpus);
  const queryNorms = inverseNorms(queries);
  for (let q = 0; q < queries.rows; q++) {
    const scored: { index: number; score: number }[] = [];
    for (let c = 0; c < corpus.rows && !Number.isNaN(queryNorms[q]!); c++) {
      if (Number.isNaN(corpusNorms[c]!)) continue;
      let dot = 0;
      for (let i = 0; i < queries.cols; i++) {
        dot += queries.data[q * queries.cols + i]! * corpus.data[c * corpus.cols + i]!;
      }
      scored.push({ index: c, score: dot * queryNorms[q]! * corpusNorms[c]! });
    }
    scored.sort((x, y) => y.score - x.score || x.index - y.index);
    for (let j = 0; j < k; j++) {
      result[q * 2 * k + j] = scored[j]?.index ?? -1;
      result[q * 2 * k + k + j] = scored[j]?.score ?? Number.NaN;
    }
  }
  return result;
}
