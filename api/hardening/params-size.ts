// A job's `params` are stored with every record and copied to each array child's view: a cap keeps one
// submission from costing megabytes of Redis per job. Measured as the JSON the record stores.
import type { FieldProblem } from '../errors.ts';

export const DEFAULT_MAX_PARAMS_BYTES = 64 * 1024;

export function paramsSizeProblem(params: unknown, maxBytes: number): FieldProblem | undefined {
  const bytes = Buffer.byteLength(JSON.stringify(params ?? {}), 'utf8');
  if (bytes <= maxBytes) return undefined;
  return { field: 'params', message: `is ${bytes} bytes of JSON; at most ${maxBytes} are accepted` };
}
