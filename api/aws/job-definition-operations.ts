// RegisterJobDefinition, DescribeJobDefinitions, DeregisterJobDefinition over the native registry.
import { z } from 'zod';
import { parseDefinitionRef } from '../job-definitions/resolve.ts';
import { type JobDefinitionRecord, JobDefinitionStatusSchema } from '../schemas/job-definition.ts';
import { parseOrThrow } from '../validate.ts';
import { arn, nameFromArnOrName } from './arn.ts';
import type { AwsCaller, AwsServices } from './context.ts';
import { ClientException } from './errors.ts';
import { definitionFromAws, definitionToAws } from './job-definition-mapping.ts';

export async function registerJobDefinition(services: AwsServices, caller: AwsCaller, body: unknown) {
  const record = await services.definitions.register(definitionFromAws(body));
  return {
    jobDefinitionName: record.name,
    jobDefinitionArn: arn(caller.region, 'job-definition', record.jobDefinition),
    revision: record.revision,
  };
}

const DescribeJobDefinitionsSchema = z.strictObject({
  jobDefinitions: z.array(z.string().min(1)).max(100).optional(),
  jobDefinitionName: z.string().optional(),
  status: JobDefinitionStatusSchema.optional(),
  maxResults: z.int().min(1).max(100).optional(),
  nextToken: z.string().optional(),
});

/** "name:3" (or its ARN) is that revision; a bare name is every revision of it. */
async function byReference(services: AwsServices, reference: string, status?: string) {
  const { name, revision } = parseDefinitionRef(nameFromArnOrName(reference, 'job-definition'));
  if (revision !== undefined) {
    const found = await services.definitions.get(name, revision);
    return found && (!status || found.status === status) ? [found] : [];
  }
  const all: JobDefinitionRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await services.definitions.list({ name, limit: 500, cursor, status: status as never });
    all.push(...page.jobDefinitions);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

export async function describeJobDefinitions(services: AwsServices, caller: AwsCaller, body: unknown) {
  const input = parseOrThrow(DescribeJobDefinitionsSchema, body, 'request');
  if (input.jobDefinitions?.length) {
    if (input.nextToken) throw new ClientException('nextToken: not used with jobDefinitions');
    const found = (
      await Promise.all(input.jobDefinitions.map((r) => byReference(services, r, input.status)))
    ).flat();
    return { jobDefinitions: found.map((d) => definitionToAws(d, caller.region)) };
  }
  const page = await services.definitions.list({
    name: input.jobDefinitionName,
    status: input.status,
    limit: input.maxResults ?? 100,
    cursor: input.nextToken,
  });
  return {
    jobDefinitions: page.jobDefinitions.map((d) => definitionToAws(d, caller.region)),
    ...(page.nextCursor ? { nextToken: page.nextCursor } : {}),
  };
}

const DeregisterSchema = z.strictObject({ jobDefinition: z.string().min(1) });

export async function deregisterJobDefinition(services: AwsServices, _caller: AwsCaller, body: unknown) {
  const { jobDefinition } = parseOrThrow(DeregisterSchema, body, 'request');
  const { name, revision } = parseDefinitionRef(nameFromArnOrName(jobDefinition, 'job-definition'));
  if (revision === undefined)
    throw new ClientException('jobDefinition: name:revision or an ARN, e.g. "resize:3"');
  if (!(await services.definitions.deregister(name, revision)))
    throw new ClientException(`jobDefinition: no job definition ${name}:${revision}`);
  return {};
}
