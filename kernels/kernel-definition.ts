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
}

export interface KernelResult {
  output: Matrix;
  backend: string;
  details?: Record<string, unknown>;
}

export interface KernelDefinition<P> {
  name: string;
  description: string;
  /** Field problems are named "params.<name>", ready for an API response. */
  parseParams(raw: Record<string, unknown>): ParamsResult<P>;
  run(input: Matrix, params: P, context: KernelContext): Promise<KernelResult>;
  /** The same math in float64, straightforwardly, to check `run` against. */
  reference(input: Matrix, params: P): Float64Array;
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
