// Reads a job spec file (YAML or JSON), validates it locally, and makes its paths absolute.
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import YAML from 'yaml';
import { JobSpecSchema } from '../api/schemas/job-spec.ts';
import { fieldProblems } from '../api/validate.ts';
import { CliError, EXIT } from './errors.ts';

/** Spec fields holding local file paths; the local executor shares the CLI's filesystem. */
const PATH_FIELDS = ['input', 'output', 'model'] as const;

/** "s3://bucket/x" and the like are left alone; only plain relative paths are resolved. */
const HAS_URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

export async function readText(file: string, cwd: string): Promise<string> {
  try {
    return await readFile(resolve(cwd, file), 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new CliError(`cannot read ${file}: ${reason}`, EXIT.usage);
  }
}

/** "x.yaml:3:7: invalid YAML: <message>" followed by the yaml package's excerpt of the line. */
export function parseYaml(text: string, file: string): unknown {
  const documents = YAML.parseAllDocuments(text);
  if (documents.length > 1) {
    throw new CliError(
      `${file}: holds ${documents.length} YAML documents; put one job spec per file`,
      EXIT.usage,
    );
  }
  const [document] = documents;
  const [error] = document?.errors ?? [];
  if (error) {
    const [firstLine, ...excerpt] = error.message.split('\n');
    const message = (firstLine ?? '').replace(/ at line \d+, column \d+:$/, '');
    const position = error.linePos ? `:${error.linePos[0].line}:${error.linePos[0].col}` : '';
    throw new CliError(
      `${file}${position}: invalid YAML: ${message}\n${excerpt.join('\n')}`.trimEnd(),
      EXIT.usage,
    );
  }
  const value = document?.toJS();
  if (value === undefined || value === null) throw new CliError(`${file}: is empty`, EXIT.usage);
  return value;
}

export function resolvePaths(spec: Record<string, unknown>, cwd: string): Record<string, unknown> {
  const resolved = { ...spec };
  for (const field of PATH_FIELDS) {
    const value = resolved[field];
    if (typeof value === 'string' && !isAbsolute(value) && !HAS_URL_SCHEME.test(value)) {
      resolved[field] = resolve(cwd, value);
    }
  }
  return resolved;
}

/**
 * The spec as the user wrote it (defaults stay to the server), with relative paths made absolute.
 * Invalid files fail with every problem on its own line: "x.yaml: resources.gpus: Too big: ...".
 */
export async function loadSpecFile(
  file: string,
  cwd: string,
  /** Fields set on the command line (submit's flags), merged over the file's before validation. */
  withFields: (fromFile: Record<string, unknown>) => Record<string, unknown> = () => ({}),
): Promise<Record<string, unknown>> {
  const parsed = parseYaml(await readText(file, cwd), file);
  const value =
    typeof parsed === 'object' && !Array.isArray(parsed)
      ? { ...(parsed as Record<string, unknown>), ...withFields(parsed as Record<string, unknown>) }
      : parsed;
  const result = JobSpecSchema.safeParse(value);
  if (!result.success) {
    const lines = fieldProblems(result.error, '(top level)').map(
      ({ field, message }) => `${file}: ${field}: ${message}`,
    );
    throw new CliError(lines.join('\n'), EXIT.usage);
  }
  return resolvePaths(value as Record<string, unknown>, cwd);
}
