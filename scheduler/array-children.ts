// What an array child is: its id and its spec, derived from the parent's (children are stored without
// a spec of their own, so 10,000 of them cost little to create).
import { ARRAY_INDEX_PLACEHOLDERS } from '../api/schemas/array-spec.ts';
import type { JobSpec } from '../api/schemas/job-spec.ts';

/** AWS Batch's child id: the parent's id, a colon, the index. */
export function childId(parentId: string, index: number): string {
  return `${parentId}:${index}`;
}

/** The parent id and index of a child id, or undefined for any other id. */
export function parseChildId(id: string): { parentId: string; index: number } | undefined {
  const match = /^(.+):(\d+)$/.exec(id);
  return match ? { parentId: match[1]!, index: Number(match[2]) } : undefined;
}

function withIndex(value: string, index: number): string {
  let result = value;
  for (const placeholder of ARRAY_INDEX_PLACEHOLDERS) result = result.split(placeholder).join(String(index));
  return result;
}

const hasPlaceholder = (value: string | undefined) =>
  value !== undefined && ARRAY_INDEX_PLACEHOLDERS.some((p) => value.includes(p));

/**
 * Child `index` of an array job: `${GPUBATCH_ARRAY_INDEX}` (or `${AWS_BATCH_JOB_ARRAY_INDEX}`) in the
 * paths and in string params becomes the index. An inference array over one input (no placeholder in
 * `input`, no `params.shard`) splits it: child i processes shard {index: i, count: arraySize}.
 * The array fields belong to the parent and are left out.
 */
export function childSpec(parent: JobSpec, index: number): JobSpec {
  const {
    arraySize,
    maxConcurrent: _maxConcurrent,
    dependsOn: _dependsOn,
    idempotencyKey: _key,
    ...rest
  } = parent;
  const params: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(parent.params))
    params[name] = typeof value === 'string' ? withIndex(value, index) : value;
  if (
    parent.kind === 'inference' &&
    arraySize !== undefined &&
    params['shard'] === undefined &&
    !hasPlaceholder(parent.input)
  ) {
    params['shard'] = { index, count: arraySize };
  }
  return {
    ...rest,
    input: withIndex(parent.input, index),
    output: withIndex(parent.output, index),
    ...(parent.model === undefined ? {} : { model: withIndex(parent.model, index) }),
    params,
  };
}
