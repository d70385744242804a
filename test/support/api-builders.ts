// Builders for valid job specs and records as the API sees them; tests override only what they are about.
import { type JobSpec, type JobSpecInput, JobSpecSchema } from '../../api/schemas/job-spec.ts';
import type { JobRecord } from '../../scheduler/job-record.ts';

/** A valid kernel job spec, as a client would send it (defaults left out). */
export function aJobSpec(overrides: Record<string, unknown> = {}): JobSpecInput {
  return {
    name: 'saxpy-small',
    kind: 'kernel',
    kernel: 'saxpy',
    input: '/data/in.npy',
    output: '/data/out.npy',
    ...overrides,
  } as JobSpecInput;
}

/** A spec after validation (defaults filled in), as the JobService receives it. */
export function aValidatedJobSpec(overrides: Record<string, unknown> = {}): JobSpec {
  return JobSpecSchema.parse(aJobSpec(overrides));
}

export function aJobRecord(overrides: Partial<JobRecord> = {}): JobRecord {
  const createdAt = Date.UTC(2025, 0, 1, 12, 0, 0);
  return {
    id: 'job-000042',
    tenant: 'default',
    spec: aValidatedJobSpec(),
    status: 'RUNNABLE',
    statusReason: 'waiting for a node with a free GPU',
    createdAt,
    attempts: [],
    events: [{ at: createdAt, status: 'SUBMITTED', reason: 'submitted' }],
    ...overrides,
  };
}
