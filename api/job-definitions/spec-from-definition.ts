// The job spec a submission by job definition stands for: definition, then overrides, then Ref:: values.
import type { FieldProblem } from '../errors.ts';
import type { DefinitionSubmission, JobDefinitionRecord } from '../schemas/job-definition.ts';
import { substituteRefs } from './substitute.ts';

type Resources = NonNullable<JobDefinitionRecord['resources']>;

/** Field by field; a GPU request (gpus or gpuMilli) in the override replaces the definition's both. */
export function mergeResources(base: Resources | undefined, override: Resources | undefined) {
  if (!override) return base;
  const kept = { ...base };
  if (override.gpus !== undefined || override.gpuMilli !== undefined) {
    delete kept.gpus;
    delete kept.gpuMilli;
  }
  return { ...kept, ...override };
}

function withoutUndefined(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));
}

/**
 * The unvalidated job spec (the job spec schema fills defaults and checks it) and the placeholders
 * that had no value. Placeholders are replaced only in what the definition wrote (kernel, model,
 * input, output, params); the submission's own params are taken literally.
 */
export function specFromDefinition(
  definition: JobDefinitionRecord,
  submission: DefinitionSubmission,
): { spec: Record<string, unknown>; problems: FieldProblem[] } {
  const parameters = { ...definition.parameters, ...submission.parameters };
  const templated = substituteRefs(
    {
      kernel: definition.kernel,
      model: definition.model,
      input: definition.input,
      output: definition.output,
      params: definition.params,
    },
    parameters,
  );
  const problems = templated.missing.map(({ name, path }) => ({
    field: `parameters.${name}`,
    message: `no value for Ref::${name} (used in ${path} of ${definition.jobDefinition}); pass it in parameters`,
  }));
  const spec = withoutUndefined({
    name: submission.name ?? definition.name,
    queue: submission.queue ?? definition.queue,
    kind: definition.kind,
    ...withoutUndefined(templated.value),
    params: { ...templated.value.params, ...submission.params },
    resources: mergeResources(definition.resources, submission.resources),
    retry: submission.retry ?? definition.retry,
    timeoutSeconds: submission.timeoutSeconds ?? definition.timeoutSeconds,
    priority: submission.priority ?? definition.priority,
    idempotencyKey: submission.idempotencyKey,
    shareIdentifier: submission.shareIdentifier,
  });
  return { spec, problems };
}
