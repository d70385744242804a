// Turns a submission by job definition into a validated job spec, or a 422 naming what is wrong.
import { UnprocessableJobError } from '../errors.ts';
import type { DefinitionSubmission, JobDefinitionRecord } from '../schemas/job-definition.ts';
import { type JobSpec, JobSpecSchema } from '../schemas/job-spec.ts';
import { fieldProblems, summarize } from '../validate.ts';
import type { JobDefinitionRegistry } from './registry.ts';
import { specFromDefinition } from './spec-from-definition.ts';

/** "resize" or "resize:3". */
export function parseDefinitionRef(ref: string): { name: string; revision?: number } {
  const colon = ref.lastIndexOf(':');
  if (colon < 0) return { name: ref };
  return { name: ref.slice(0, colon), revision: Number(ref.slice(colon + 1)) };
}

function refused(message: string): UnprocessableJobError {
  return new UnprocessableJobError(`jobDefinition: ${message}`, [{ field: 'jobDefinition', message }]);
}

/** The revision a reference means: name:N exactly (if ACTIVE), a bare name its latest ACTIVE revision. */
export async function resolveDefinition(
  registry: JobDefinitionRegistry,
  ref: string,
): Promise<JobDefinitionRecord> {
  const { name, revision } = parseDefinitionRef(ref);
  if (revision !== undefined) {
    const found = await registry.get(name, revision);
    if (!found) throw refused(`no job definition ${name}:${revision}`);
    if (found.status !== 'ACTIVE') {
      const latest = await registry.latestActive(name);
      const instead = latest ? `; the latest ACTIVE revision is ${latest.jobDefinition}` : '';
      throw refused(`job definition ${ref} is INACTIVE (deregistered) and takes no new jobs${instead}`);
    }
    return found;
  }
  const latest = await registry.latestActive(name);
  if (latest) return latest;
  const any = await registry.list({ name, limit: 1 });
  throw refused(
    any.jobDefinitions.length > 0
      ? `every revision of job definition ${name} is INACTIVE (deregistered)`
      : `no job definition named ${name}`,
  );
}

/** The job spec to submit (validated like a direct submission) and the "name:revision" it came from. */
export async function jobSpecFromDefinition(
  registry: JobDefinitionRegistry,
  submission: DefinitionSubmission,
): Promise<{ spec: JobSpec; jobDefinition: string }> {
  const definition = await resolveDefinition(registry, submission.jobDefinition);
  const { spec, problems } = specFromDefinition(definition, submission);
  if (problems.length > 0) throw new UnprocessableJobError(summarize(problems), problems);
  const parsed = JobSpecSchema.safeParse(spec);
  if (!parsed.success) {
    const invalid = fieldProblems(parsed.error, 'body');
    throw new UnprocessableJobError(
      `job definition ${definition.jobDefinition} with this submission is not a valid job: ${summarize(invalid)}`,
      invalid,
    );
  }
  return { spec: parsed.data, jobDefinition: definition.jobDefinition };
}
