// Small validators for kernel params: each pushes a problem naming "params.<name>" and returns a value
// (the default when absent), so a parser can collect every problem in one pass.
import type { FieldProblem } from '../api/errors.ts';

export function finiteNumberParam(
  raw: Record<string, unknown>,
  name: string,
  fallback: number,
  problems: FieldProblem[],
): number {
  const value = raw[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    problems.push({ field: `params.${name}`, message: 'must be a finite number' });
    return fallback;
  }
  return value;
}

export function integerParam(
  raw: Record<string, unknown>,
  name: string,
  range: { min: number; max: number; fallback?: number },
  problems: FieldProblem[],
): number {
  const value = raw[name] ?? range.fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
    problems.push({
      field: `params.${name}`,
      message: value === undefined ? 'required' : `must be an integer from ${range.min} to ${range.max}`,
    });
    return range.min;
  }
  return value;
}

export function choiceParam<T extends string>(
  raw: Record<string, unknown>,
  name: string,
  choices: readonly T[],
  fallback: T | undefined,
  problems: FieldProblem[],
): T {
  const value = raw[name] ?? fallback;
  if (!choices.includes(value as T)) {
    problems.push({
      field: `params.${name}`,
      message:
        value === undefined
          ? `required: one of ${choices.join(', ')}`
          : `must be one of ${choices.join(', ')}`,
    });
    return choices[0]!;
  }
  return value as T;
}

/** A file path for a second input, resolved later by the runner against the job's working directory. */
export function pathParam(raw: Record<string, unknown>, name: string, problems: FieldProblem[]): string {
  const value = raw[name];
  if (typeof value !== 'string' || value.trim() === '') {
    problems.push({
      field: `params.${name}`,
      message:
        value === undefined
          ? 'required: path of an input matrix (.npy or .jsonl)'
          : 'must be a non-empty path',
    });
    return '';
  }
  return value;
}
