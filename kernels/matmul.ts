// matmul: A x B, A the job's input (M x K) and B the matrix file named by params.b (K x N).
import { sharedGpu } from './gpujs/gpu-instance.ts';
import { matmulOnGpu } from './gpujs/matmul-tiles.ts';
import { type KernelDefinition, type ParamsResult, unknownParamProblems } from './kernel-definition.ts';
import { InputMismatchError } from './kernel-errors.ts';
import { createMatrix, type Matrix } from './matrix.ts';
import { pathParam } from './param-checks.ts';

export interface MatmulParams {
  /** Path of the right-hand matrix B (.npy or .jsonl), relative to the job's working directory. */
  b: string;
}

export const matmul: KernelDefinition<MatmulParams> = {
  name: 'matmul',
  description:
    'Matrix product A x B of the input A (M x K) and the matrix file params.b (K x N); output M x N. ' +
    'Products are summed in float32 over at most 256 terms, then in float64. NaN in a row of A or a ' +
    'column of B makes that output row or column NaN.',
  secondInput: 'b',
  parseParams,
  run: async (input, _params, context, second) => {
    const b = requireB(input, second);
    if (input.rows === 0 || b.cols === 0 || input.cols === 0) {
      return { output: matmulReferenceF32(input, b), backend: 'none (empty input)' };
    }
    return matmulOnGpu(sharedGpu(), input, b, context);
  },
  reference: (input, _params, second) => matmulReference(input, requireB(input, second)),
};

function parseParams(raw: Record<string, unknown>): ParamsResult<MatmulParams> {
  const problems = unknownParamProblems(raw, ['b']);
  const b = pathParam(raw, 'b', problems);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, params: { b } };
}

function requireB(a: Matrix, b: Matrix | undefined): Matrix {
  if (!b) throw new InputMismatchError('matmul needs the matrix B (params.b)');
  if (a.cols !== b.rows) {
    throw new InputMismatchError(
      `inner dimensions differ: input is ${a.rows} x ${a.cols}, params.b is ${b.rows} x ${b.cols} ` +
        `(input columns must equal params.b rows)`,
    );
  }
  return b;
}

/** Empty shapes: zeros (an empty sum is 0), without starting a kernel. */
function matmulReferenceF32(a: Matrix, b: Matrix): Matrix {
  return createMatrix(a.rows, b.cols, Float32Array.from(matmulReference(a, b)));
}

/** The textbook triple loop in float64. */
export function matmulReference(a: Matrix, b: Matrix): Float64Array {
  const result = new Float64Array(a.rows * b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < b.cols; j++) {
      let sum = 0;
      for (let k = 0; k < a.cols; k++) sum += a.data[i * a.cols + k]! * b.data[k * b.cols + j]!;
      result[i * b.cols + j] = sum;
    }
  }
  return result;
}
