// Valid job specs for runner tests, with the fields a test cares about overridden.
import { type JobSpec, type JobSpecInput, JobSpecSchema } from '../../api/schemas/job-spec.ts';

export function kernelJobSpec(overrides: Partial<JobSpecInput> = {}): JobSpec {
  return JobSpecSchema.parse({
    name: 'standardize-test',
    kind: 'kernel',
    kernel: 'standardize',
    input: 'matrix.npy',
    output: 'out/standardized.npy',
    ...overrides,
  });
}

export function inferenceJobSpec(overrides: Partial<JobSpecInput> = {}): JobSpec {
  return JobSpecSchema.parse({
    name: 'inference-test',
    kind: 'inference',
    model: 'mlp.onnx',
    input: 'features.npy',
    output: 'out/probabilities.npy',
    ...overrides,
  });
}
