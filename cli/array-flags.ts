// submit's array and dependency flags, merged into the spec file's fields (flags win; --depends-on adds).
import type { JobDependency } from '../api/schemas/array-spec.ts';
import { integerOption } from './option-values.ts';

export interface ArrayFlagValues {
  'array-size'?: string;
  'max-concurrent'?: string;
  'depends-on'?: string[];
  'n-to-n'?: string[];
  sequential?: boolean;
}

export const ARRAY_FLAG_OPTIONS = {
  'array-size': { type: 'string' },
  'max-concurrent': { type: 'string' },
  'depends-on': { type: 'string', multiple: true },
  'n-to-n': { type: 'string', multiple: true },
  sequential: { type: 'boolean' },
} as const;

/** The spec fields the flags set; the schema then checks them like the file's own (limits, combinations). */
export function arrayFlagFields(
  values: ArrayFlagValues,
  fromFile: Record<string, unknown>,
): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const arraySize = integerOption('submit', 'array-size', values['array-size'], -1);
  if (arraySize !== -1) fields['arraySize'] = arraySize;
  const maxConcurrent = integerOption('submit', 'max-concurrent', values['max-concurrent'], -1);
  if (maxConcurrent !== -1) fields['maxConcurrent'] = maxConcurrent;
  const added: JobDependency[] = [
    ...(values['depends-on'] ?? []).map((jobId) => ({ jobId })),
    ...(values['n-to-n'] ?? []).map((jobId) => ({ jobId, type: 'N_TO_N' as const })),
    ...(values.sequential ? [{ type: 'SEQUENTIAL' as const }] : []),
  ];
  if (added.length > 0) {
    const own = Array.isArray(fromFile['dependsOn']) ? (fromFile['dependsOn'] as unknown[]) : [];
    fields['dependsOn'] = [...own, ...added];
  }
  return fields;
}
