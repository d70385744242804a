// Zod issues become FieldProblems with dotted paths ("resources.gpus") shared by the API and the CLI.
import type { z } from 'zod';
import { type FieldProblem, ValidationError } from './errors.ts';

type IssuePath = readonly PropertyKey[];

/** "resources.gpuModel[0]"; the root is named by `root` ("body", "query"). */
export function fieldPath(path: IssuePath, root: string): string {
  let field = '';
  for (const segment of path) {
    if (typeof segment === 'number') field += `[${segment}]`;
    else field += field ? `.${String(segment)}` : String(segment);
  }
  return field || root;
}

export function fieldProblems(error: z.ZodError, root: string): FieldProblem[] {
  return error.issues.flatMap((issue): FieldProblem[] => {
    // An unknown key is reported once for the object that holds it; name each key instead.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: fieldPath([...issue.path, key], root),
        message: 'unknown field',
      }));
    }
    return [{ field: fieldPath(issue.path, root), message: issue.message }];
  });
}

/** "resources.gpus: Too small: expected number to be >=0 (and 2 more problems)". */
export function summarize(problems: FieldProblem[]): string {
  const [first, ...rest] = problems;
  if (!first) return 'invalid request';
  const more = rest.length === 0 ? '' : ` (and ${rest.length} more problem${rest.length === 1 ? '' : 's'})`;
  return `${first.field}: ${first.message}${more}`;
}

/** Parses `value` or throws a ValidationError (400) whose detail names the first bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, root: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = fieldProblems(result.error, root);
  throw new ValidationError(summarize(problems), problems);
}
