// SubmitJob, DescribeJobs, ListJobs, CancelJob, TerminateJob over the native job service.
import { z } from 'zod';
import { ConflictError } from '../errors.ts';
import { jobSpecFromDefinition } from '../job-definitions/resolve.ts';
import { JobDependencySchema } from '../schemas/array-spec.ts';
import { DefinitionSubmissionSchema } from '../schemas/job-definition.ts';
import { JobStatusSchema } from '../schemas/job-record.ts';
import { JobSpecSchema } from '../schemas/job-spec.ts';
import { type Viewer, visibleJob } from '../tenancy/visibility.ts';
import { parseOrThrow } from '../validate.ts';
import { arn, nameFromArnOrName } from './arn.ts';
import { parseCommand } from './command.ts';
import type { AwsCaller, AwsServices } from './context.ts';
import { ClientException } from './errors.ts';
import { jobDetail, jobSummary } from './job-mapping.ts';
import { ResourceRequirementSchema, resourcesFromRequirements } from './resources.ts';
import { AwsRetryStrategySchema, AwsTimeoutSchema, retryFromAws } from './retry.ts';

const SubmitJobSchema = z.strictObject({
  jobName: z.string(),
  jobQueue: z.string(),
  jobDefinition: z.string(),
  arrayProperties: z.strictObject({ size: z.int().optional() }).optional(),
  dependsOn: z.array(JobDependencySchema).optional(),
  parameters: z.record(z.string(), z.string()).optional(),
  containerOverrides: z
    .strictObject({
      command: z.array(z.string()).min(1).optional(),
      resourceRequirements: z.array(ResourceRequirementSchema).optional(),
      vcpus: z.int().min(1).optional(),
      memory: z.int().min(1).optional(),
    })
    .optional(),
  retryStrategy: AwsRetryStrategySchema.optional(),
  timeout: AwsTimeoutSchema.optional(),
  propagateTags: z.boolean().optional(),
  shareIdentifier: z.string().optional(),
  schedulingPriorityOverride: z.int().min(0).max(1000).optional(),
});

export async function submitJob(services: AwsServices, caller: AwsCaller, body: unknown) {
  const input = parseOrThrow(SubmitJobSchema, body, 'request');
  const overrides = input.containerOverrides ?? {};
  const submission = parseOrThrow(
    DefinitionSubmissionSchema,
    JSON.parse(
      JSON.stringify({
        jobDefinition: nameFromArnOrName(input.jobDefinition, 'job-definition'),
        name: input.jobName,
        queue: nameFromArnOrName(input.jobQueue, 'job-queue'),
        parameters: input.parameters,
        resources: resourcesFromRequirements(overrides.resourceRequirements, overrides, 'containerOverrides'),
        retry: retryFromAws(input.retryStrategy),
        timeoutSeconds: input.timeout?.attemptDurationSeconds,
        priority: input.schedulingPriorityOverride,
        // Without a shareIdentifier of its own a job shares fairly as its key's tenant.
        shareIdentifier: input.shareIdentifier ?? caller.tenant,
      }),
    ),
    'request',
  );
  const { spec, jobDefinition } = await jobSpecFromDefinition(services.definitions, submission);
  // A command override is taken literally (no Ref:: substitution), like native params overrides.
  const command = overrides.command ? parseCommand(overrides.command, 'containerOverrides.command') : {};
  const full = parseOrThrow(
    JobSpecSchema,
    {
      ...spec,
      ...command,
      ...(input.arrayProperties?.size !== undefined ? { arraySize: input.arrayProperties.size } : {}),
      ...(input.dependsOn?.length ? { dependsOn: input.dependsOn } : {}),
    },
    'request',
  );
  const { job } = await services.jobs.submit(full, { jobDefinition, tenant: caller.tenant });
  return { jobArn: arn(caller.region, 'job', job.id), jobName: job.spec.name, jobId: job.id };
}

/** An access key acts as a submitter of its tenant: it sees and stops only that tenant's jobs. */
function keyHolder(caller: AwsCaller): Viewer {
  return { role: 'submitter', tenant: caller.tenant };
}

const DescribeJobsSchema = z.strictObject({ jobs: z.array(z.string().min(1)).min(1).max(100) });

/** Unknown ids (and other tenants' jobs, alike) are left out of the answer, as AWS Batch does. */
export async function describeJobs(services: AwsServices, caller: AwsCaller, body: unknown) {
  const { jobs } = parseOrThrow(DescribeJobsSchema, body, 'request');
  const found = await Promise.all(
    jobs.map((id) => visibleJob(services.jobs, keyHolder(caller), nameFromArnOrName(id, 'job'))),
  );
  return { jobs: found.flatMap((job) => (job ? [jobDetail(job, caller.region)] : [])) };
}

const ListJobsSchema = z.strictObject({
  jobQueue: z.string().optional(),
  arrayJobId: z.string().optional(),
  jobStatus: JobStatusSchema.optional(),
  maxResults: z.int().min(1).max(1000).optional(),
  nextToken: z.string().optional(),
});

/** AWS Batch's default page; the native API pages at most 500. */
const DEFAULT_LIST_PAGE = 100;
const MAX_NATIVE_PAGE = 500;

export async function listJobs(services: AwsServices, caller: AwsCaller, body: unknown) {
  const input = parseOrThrow(ListJobsSchema, body, 'request');
  // AWS Batch lists only RUNNING jobs when no status is given; so does this endpoint (not the native one).
  const status = input.jobStatus ?? 'RUNNING';
  const limit = Math.min(input.maxResults ?? DEFAULT_LIST_PAGE, MAX_NATIVE_PAGE);
  if (input.arrayJobId !== undefined)
    return listChildren(services, caller, input.arrayJobId, status, limit, input.nextToken);
  if (input.jobQueue === undefined) throw new ClientException('request: give jobQueue or arrayJobId');
  const queue = nameFromArnOrName(input.jobQueue, 'job-queue');
  if (!(await services.jobs.queues()).includes(queue))
    throw new ClientException(`jobQueue: no job queue named ${queue}`);
  const page = await services.jobs.list({
    queue,
    status,
    limit,
    cursor: input.nextToken,
    tenant: caller.tenant,
  });
  return {
    jobSummaryList: page.jobs.map((job) => jobSummary(job, caller.region)),
    ...(page.nextCursor ? { nextToken: page.nextCursor } : {}),
  };
}

/** An array's children by index (child ids are "<parent>:<index>"); nextToken is the next index. */
async function listChildren(
  services: AwsServices,
  caller: AwsCaller,
  parentId: string,
  status: string,
  limit: number,
  nextToken: string | undefined,
) {
  const parent = await visibleJob(services.jobs, keyHolder(caller), parentId);
  const size = parent?.arrayProperties?.size;
  if (!parent || size === undefined)
    throw new ClientException(`arrayJobId: no array job with id ${parentId}`);
  const start = nextToken === undefined ? 0 : Number(nextToken);
  if (!Number.isInteger(start) || start < 0 || start > size)
    throw new ClientException('nextToken: not a token from a previous page');
  const end = Math.min(size, start + limit);
  const indices = Array.from({ length: end - start }, (_, i) => start + i);
  const children = await Promise.all(indices.map((i) => services.jobs.get(`${parentId}:${i}`)));
  return {
    jobSummaryList: children.flatMap((c) => (c && c.status === status ? [jobSummary(c, caller.region)] : [])),
    ...(end < size ? { nextToken: String(end) } : {}),
  };
}

const StopJobSchema = z.strictObject({ jobId: z.string().min(1), reason: z.string().min(1).max(1000) });

/**
 * AWS Batch: "jobs that progressed to STARTING or RUNNING aren't canceled; the operation still succeeds".
 * The native 409 for those (and for finished jobs) is therefore a success here, with no change.
 */
export async function cancelJob(services: AwsServices, caller: AwsCaller, body: unknown) {
  const { jobId, reason } = parseOrThrow(StopJobSchema, body, 'request');
  try {
    if (
      !(await visibleJob(services.jobs, keyHolder(caller), jobId)) ||
      !(await services.jobs.cancel(jobId, reason))
    )
      throw new ClientException(`jobId: no job with id ${jobId}`);
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }
  return {};
}

/** Terminating a finished job succeeds with no change, as in AWS Batch. */
export async function terminateJob(services: AwsServices, caller: AwsCaller, body: unknown) {
  const { jobId, reason } = parseOrThrow(StopJobSchema, body, 'request');
  try {
    if (
      !(await visibleJob(services.jobs, keyHolder(caller), jobId)) ||
      !(await services.jobs.terminate(jobId, reason))
    )
      throw new ClientException(`jobId: no job with id ${jobId}`);
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }
  return {};
}
