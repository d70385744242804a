// The body of `gpubatch submit --definition name[:rev] --param k=v ...`, checked before it is sent.
import { DefinitionSubmissionSchema } from '../api/schemas/job-definition.ts';
import { fieldProblems } from '../api/validate.ts';
import { CliError, EXIT, UsageError } from './errors.ts';
import { COMMAND_USAGE } from './usage.ts';

export interface DefinitionOptions {
  definition: string;
  param?: string[];
  name?: string;
  queue?: string;
}

/** "day=2025-01-01" pairs as { day: "2025-01-01" }; the value may hold "=". */
export function parseParams(pairs: readonly string[]): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0)
      throw new UsageError(`submit: --param: expected name=value, got "${pair}"`, COMMAND_USAGE.submit);
    parameters[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return parameters;
}

/** The request body; a bad value names the option it came from ("--param day: ..."). */
export function definitionSubmission(options: DefinitionOptions): Record<string, unknown> {
  const body: Record<string, unknown> = { jobDefinition: options.definition };
  if (options.param && options.param.length > 0) body['parameters'] = parseParams(options.param);
  if (options.name !== undefined) body['name'] = options.name;
  if (options.queue !== undefined) body['queue'] = options.queue;
  const result = DefinitionSubmissionSchema.safeParse(body);
  if (!result.success) {
    const option = (field: string) =>
      field === 'jobDefinition'
        ? '--definition'
        : field.startsWith('parameters.')
          ? `--param ${field.slice('parameters.'.length)}`
          : `--${field}`;
    const lines = fieldProblems(result.error, 'body').map(
      ({ field, message }) => `submit: ${option(field)}: ${message}`,
    );
    throw new CliError(lines.join('\n'), EXIT.usage);
  }
  return body;
}
