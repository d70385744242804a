// Array jobs and job dependencies in the job spec (AWS Batch semantics, with higher limits).
import { z } from 'zod';

export const ARRAY_LIMITS = {
  /** AWS Batch's bounds: an array of 1 is a plain job. */
  minSize: 2,
  maxSize: 10_000,
  /** AWS Batch allows 20 per job. */
  maxDependencies: 100,
} as const;

/** The child's index reaches the runner under both names; placeholders in paths use either. */
export const ARRAY_INDEX_VARIABLES = ['GPUBATCH_ARRAY_INDEX', 'AWS_BATCH_JOB_ARRAY_INDEX'] as const;
export const ARRAY_INDEX_PLACEHOLDERS = ARRAY_INDEX_VARIABLES.map((name) => `\${${name}}`);

export const JobDependencySchema = z
  .strictObject({
    jobId: z
      .string()
      .min(1)
      .max(300)
      .optional()
      .describe('An existing job (or array child "<parentId>:<index>"); none for SEQUENTIAL.'),
    type: z
      .enum(['N_TO_N', 'SEQUENTIAL'])
      .optional()
      .describe(
        'Array jobs only. N_TO_N: child i waits for child i of the array jobId (same size). SEQUENTIAL: child i waits for child i-1 of this array.',
      ),
  })
  .describe('Absent type: wait until jobId SUCCEEDED (for an array parent: all its children).');

export type JobDependency = z.output<typeof JobDependencySchema>;

export const arraySpecFields = {
  arraySize: z
    .int()
    .min(ARRAY_LIMITS.minSize)
    .max(ARRAY_LIMITS.maxSize)
    .optional()
    .describe('Run this many children "<id>:<index>", index 0..arraySize-1.'),
  maxConcurrent: z
    .int()
    .min(1)
    .max(ARRAY_LIMITS.maxSize)
    .optional()
    .describe('Array jobs: at most this many children RUNNABLE, STARTING or RUNNING at once.'),
  dependsOn: z
    .array(JobDependencySchema)
    .max(ARRAY_LIMITS.maxDependencies)
    .optional()
    .describe('Jobs that must succeed first; a failed one fails this job ("Dependent Job failed").'),
};

interface ArrayFieldsOfSpec {
  arraySize?: number;
  maxConcurrent?: number;
  dependsOn?: JobDependency[];
  output: string;
}

type Issue = { path: (string | number)[]; message: string };

/** What the field shapes alone cannot say: which combinations make sense. */
export function arraySpecIssues(spec: ArrayFieldsOfSpec): Issue[] {
  const issues: Issue[] = [];
  const isArray = spec.arraySize !== undefined;
  if (spec.maxConcurrent !== undefined && !isArray) {
    issues.push({ path: ['maxConcurrent'], message: 'only for an array job (set arraySize)' });
  }
  if (isArray && !ARRAY_INDEX_PLACEHOLDERS.some((p) => spec.output.includes(p))) {
    issues.push({
      path: ['output'],
      message: `an array job's children would all write one file: put ${ARRAY_INDEX_PLACEHOLDERS[0]} in it`,
    });
  }
  const seen = new Set<string>();
  for (const [i, dependency] of (spec.dependsOn ?? []).entries()) {
    const { jobId, type } = dependency;
    if (type !== undefined && !isArray) {
      issues.push({
        path: ['dependsOn', i, 'type'],
        message: `${type} is only for an array job (set arraySize)`,
      });
    }
    if (type === 'SEQUENTIAL' && jobId !== undefined) {
      issues.push({ path: ['dependsOn', i, 'jobId'], message: 'a SEQUENTIAL dependency names no job' });
    }
    if (type !== 'SEQUENTIAL' && jobId === undefined) {
      issues.push({ path: ['dependsOn', i, 'jobId'], message: 'required unless type is SEQUENTIAL' });
    }
    const key = `${jobId ?? ''}/${type ?? ''}`;
    if (seen.has(key)) issues.push({ path: ['dependsOn', i], message: 'listed twice' });
    seen.add(key);
  }
  return issues;
}
