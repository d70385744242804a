// What a named kernel provides: parameter validation, a fast implementation and a float64 reference.
import type { FieldProblem } from '../api/errors.ts';
import type { Matrix } from './matrix.ts';

export type ParamsResult<P> = { ok: true; params: P } | { ok: false; problems: FieldProblem[] };

export interface KernelContext {
  /** Checked between chunks; an aborted signal ends the run with an AbortError. */
  signal: AbortSignal;
  /** Work done so far, in rows. */
  onProgress(done: number, total: number): void;
  /** Called once the engine that executes is known, e.g. "gpu.js:webasm". */
  onBackend(backend: string): void;
  /**
   * The caller will not read the input's values again (the runner): a kernel whose output has the input's
   * shape may write it over them instead of allocating a second matrix, whose fresh pages cost more than
   * the arithmetic on some machines (docs/runner.md, standardize's floor). A run that fails or is cancelled
   * may leave them half overwritten.
   */
  inputDisposable?: boolean;
}

/** A matrix for most kernels; a JSON-serialisable report for kernels whose `outputFormat` is 'json'. */
export interface KernelResult<O = Matrix> {
  output: O;
  backend: string;
  details?: Record<string, unknown>;
}

export interface KernelDefinition<P, O = Matrix, R = Float64Array> {
  name: string;
  description: string;
  /** Field problems are named "params.<name>", ready for an API response. */
  parseParams(raw: Record<string, unknown>): ParamsResult<P>;
  /**
   * The param holding the path of a second input matrix (matmul's "b", cosine-topk's "corpus"). The
   * runner reads that file like the main input and passes it as `second`.
   */
  secondInput?: string;
  /** 'json' when the output is a report written as a .json file; matrices otherwise. */
  outputFormat?: 'json';
  run(input: Matrix, params: P, context: KernelContext, second?: Matrix): Promise<KernelResult<O>>;
  /** The same math in float64, straightforwardly, to check `run` against. */
  reference(input: Matrix, params: P, second?: Matrix): R;
}

/** Problems for parameters a kernel does not know: most often a typo of one it does. */
export function unknownParamProblems(raw: Record<string, unknown>, known: readonly string[]): FieldProblem[] {
  return Object.keys(raw)
    .filter((key) => !known.includes(key))
    .map((key) => ({
      field: `params.${key}`,
      message: `unknown parameter; known: ${known.length > 0 ? known.join(', ') : 'none'}`,
    }));
}
