// RegisterJobDefinition's container definition <-> a native job definition (api/schemas/job-definition.ts).
import { z } from 'zod';
import {
  type JobDefinition,
  type JobDefinitionRecord,
  JobDefinitionSchema,
} from '../schemas/job-definition.ts';
import { parseOrThrow } from '../validate.ts';
import { arn } from './arn.ts';
import { formatCommand, parseCommand } from './command.ts';
import { ClientException } from './errors.ts';
import {
  ResourceRequirementSchema,
  requirementsFromResources,
  resourcesFromRequirements,
} from './resources.ts';
import { AwsRetryStrategySchema, AwsTimeoutSchema, retryFromAws, retryToAws } from './retry.ts';

export const ContainerPropertiesSchema = z.strictObject({
  image: z.string().optional().describe('Accepted and not used: gpubatch runs its own runner image.'),
  command: z.array(z.string()).min(1),
  resourceRequirements: z.array(ResourceRequirementSchema).optional(),
  vcpus: z.int().min(1).optional(),
  memory: z.int().min(1).optional(),
});

export const RegisterJobDefinitionSchema = z.strictObject({
  jobDefinitionName: z.string(),
  type: z.enum(['container', 'multinode']),
  parameters: z.record(z.string(), z.string()).optional(),
  containerProperties: ContainerPropertiesSchema.optional(),
  retryStrategy: AwsRetryStrategySchema.optional(),
  timeout: AwsTimeoutSchema.optional(),
  tags: z.record(z.string(), z.string()).optional(),
  propagateTags: z.boolean().optional().describe('Accepted; jobs carry no tags, so nothing propagates.'),
  schedulingPriority: z.int().min(0).max(1000).optional(),
  platformCapabilities: z.array(z.literal('EC2')).optional(),
});

export function definitionFromAws(body: unknown): JobDefinition {
  const input = parseOrThrow(RegisterJobDefinitionSchema, body, 'request');
  if (input.type === 'multinode')
    throw new ClientException('type: multinode job definitions are not supported; use type container');
  if (!input.containerProperties)
    throw new ClientException('containerProperties: required for a container job definition');
  const { command, resourceRequirements, vcpus, memory } = input.containerProperties;
  const target = parseCommand(command, 'containerProperties.command');
  const native = {
    name: input.jobDefinitionName,
    ...target,
    parameters: input.parameters ?? {},
    resources: resourcesFromRequirements(resourceRequirements, { vcpus, memory }, 'containerProperties'),
    retry: retryFromAws(input.retryStrategy),
    timeoutSeconds: input.timeout?.attemptDurationSeconds,
    priority: input.schedulingPriority,
    tags: input.tags,
  };
  return parseOrThrow(JobDefinitionSchema, JSON.parse(JSON.stringify(native)), 'request');
}

/** AWS's JobDefinition shape of a stored revision (native registrations included). */
export function definitionToAws(record: JobDefinitionRecord, region: string) {
  return {
    jobDefinitionName: record.name,
    jobDefinitionArn: arn(region, 'job-definition', record.jobDefinition),
    revision: record.revision,
    status: record.status,
    type: 'container',
    parameters: record.parameters,
    schedulingPriority: record.priority,
    retryStrategy: retryToAws(record.retry),
    timeout:
      record.timeoutSeconds === undefined ? undefined : { attemptDurationSeconds: record.timeoutSeconds },
    containerProperties: {
      command: formatCommand({
        kind: record.kind,
        kernel: record.kernel,
        model: record.model,
        input: record.input,
        output: record.output,
        params: record.params,
      }),
      resourceRequirements: requirementsFromResources(record.resources),
    },
    tags: record.tags,
    platformCapabilities: ['EC2'],
    containerOrchestrationType: 'ECS',
  };
}
