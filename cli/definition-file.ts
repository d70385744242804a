// Reads a job definition file (YAML or JSON), validates it locally, and makes its paths absolute.
import { JobDefinitionSchema } from '../api/schemas/job-definition.ts';
import { fieldProblems } from '../api/validate.ts';
import { CliError, EXIT } from './errors.ts';
import { parseYaml, readText, resolvePaths } from './spec-file.ts';

/** A path that is a whole placeholder ("Ref::input") gets its value at submit; resolving it would break it. */
const STARTS_WITH_PLACEHOLDER = /^Ref::/;

/** The definition as written (defaults stay to the server); "x.yaml: kernel: required ..." per problem. */
export async function loadDefinitionFile(file: string, cwd: string): Promise<Record<string, unknown>> {
  const value = parseYaml(await readText(file, cwd), file);
  const result = JobDefinitionSchema.safeParse(value);
  if (!result.success) {
    const lines = fieldProblems(result.error, '(top level)').map(
      ({ field, message }) => `${file}: ${field}: ${message}`,
    );
    throw new CliError(lines.join('\n'), EXIT.usage);
  }
  const written = value as Record<string, unknown>;
  const resolved = resolvePaths(written, cwd);
  for (const field of ['input', 'output', 'model']) {
    const original = written[field];
    if (typeof original === 'string' && STARTS_WITH_PLACEHOLDER.test(original)) resolved[field] = original;
  }
  return resolved;
}
