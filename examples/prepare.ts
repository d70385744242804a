// Writes the example data sets and model (seeded, so every checkout gets the same files). Idempotent:
// files that exist are left alone. Run with `node examples/prepare.ts` or `npm run make:examples`.
import { access } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMatrix, type Matrix } from '../kernels/matrix.ts';
import { buildMlpModel, type MlpShape } from '../kernels/onnx/mlp-model.ts';
import { normal, seededRandom } from '../kernels/seeded-random.ts';
import { writeFileAtomic } from '../runner/io/atomic-write.ts';
import { writeNpy } from '../runner/io/npy.ts';

const REPOSITORY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Sized so each example job runs for a few seconds on a small machine: long enough to watch progress. */
export const EXAMPLE_MATRIX = { rows: 1_000_000, cols: 16, seed: 1 } as const;
export const EXAMPLE_FEATURES = { rows: 500_000, cols: 8, seed: 2 } as const;
export const EXAMPLE_MLP: MlpShape = { inputDim: 8, hiddenDims: [512, 512], outputDim: 3, seed: 3 };

/** A seeded synthetic matrix. */
export interface MatrixShape {
  rows: number;
  cols: number;
  seed: number;
}

export interface PreparedFile {
  path: string;
  created: boolean;
}

/** `dir` relative to the repository root unless absolute. */
export async function prepareExamples(dir = 'examples/data'): Promise<PreparedFile[]> {
  const root = isAbsolute(dir) ? dir : join(REPOSITORY_ROOT, dir);
  const files: [string, (path: string) => Promise<void>][] = [
    ['matrix.npy', (path) => writeNpy(path, exampleMatrix())],
    ['features.npy', (path) => writeNpy(path, exampleFeatures())],
    ['mlp.onnx', (path) => writeFileAtomic(path, [buildMlpModel(EXAMPLE_MLP)])],
  ];
  const prepared: PreparedFile[] = [];
  for (const [name, write] of files) {
    const path = join(root, name);
    const exists = await access(path).then(
      () => true,
      () => false,
    );
    if (!exists) await write(path);
    prepared.push({ path, created: !exists });
  }
  return prepared;
}

/** Columns with different scales, one constant column, one with a large offset, and a few NaN. */
export function exampleMatrix({ rows, cols, seed }: MatrixShape = EXAMPLE_MATRIX): Matrix {
  const random = seededRandom(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    const c = i % cols;
    if (c === 3) data[i] = 1.5;
    else if (c === 5) data[i] = 10_000 + normal(random);
    else data[i] = (c + 1) * normal(random) + c * 10;
    if (random() < 0.001) data[i] = Number.NaN;
  }
  return createMatrix(rows, cols, data);
}

export function exampleFeatures({ rows, cols, seed }: MatrixShape = EXAMPLE_FEATURES): Matrix {
  const random = seededRandom(seed);
  return createMatrix(
    rows,
    cols,
    Float32Array.from({ length: rows * cols }, () => normal(random)),
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const file of await prepareExamples()) {
    console.log(`${file.created ? 'wrote  ' : 'exists '} ${file.path}`);
  }
}
