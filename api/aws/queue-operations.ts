// Job queues and compute environments come from the service config (GPUBATCH_CONFIG), not from the API:
// Describe* shows the configured ones; Create*/Update* are refused with a ClientException saying so.
// GetJobQueueSnapshot lists the front of a queue's RUNNABLE jobs.
import { z } from 'zod';
import type { JobRecord } from '../../scheduler/job-record.ts';
import { parseOrThrow } from '../validate.ts';
import { arn, nameFromArnOrName } from './arn.ts';
import type { AwsCaller, AwsServices } from './context.ts';
import { ClientException } from './errors.ts';

const CONFIGURED =
  'are configured in the service config (GPUBATCH_CONFIG: queues, computeEnvironments) and read at start-up; edit it and restart the service (docs/aws-batch.md)';

export async function createJobQueue(): Promise<never> {
  throw new ClientException(`CreateJobQueue is not supported: job queues ${CONFIGURED}`);
}
export async function updateJobQueue(): Promise<never> {
  throw new ClientException(`UpdateJobQueue is not supported: job queues ${CONFIGURED}`);
}
export async function createComputeEnvironment(): Promise<never> {
  throw new ClientException(`CreateComputeEnvironment is not supported: compute environments ${CONFIGURED}`);
}

const DescribeSchema = (listField: string) =>
  z.strictObject({
    [listField]: z.array(z.string().min(1)).max(100).optional(),
    maxResults: z.int().min(1).max(100).optional(),
    nextToken: z.string().optional(),
  });

/** Configured lists are short: one page, unless maxResults cuts it (nextToken is then the next offset). */
function page<T>(items: T[], maxResults: number | undefined, nextToken: unknown) {
  const start = nextToken === undefined ? 0 : Number(nextToken);
  if (!Number.isInteger(start) || start < 0 || start > items.length)
    throw new ClientException('nextToken: not a token from a previous page');
  const end = Math.min(items.length, start + (maxResults ?? 100));
  return { items: items.slice(start, end), nextToken: end < items.length ? String(end) : undefined };
}

export async function describeJobQueues(services: AwsServices, caller: AwsCaller, body: unknown) {
  const input = parseOrThrow(DescribeSchema('jobQueues'), body, 'request');
  const wanted = (input['jobQueues'] as string[] | undefined)?.map((q) => nameFromArnOrName(q, 'job-queue'));
  const queues = services.queues.filter((q) => !wanted || wanted.includes(q.name));
  const { items, nextToken } = page(queues, input.maxResults as number | undefined, input.nextToken);
  return {
    jobQueues: items.map((q) => ({
      jobQueueName: q.name,
      jobQueueArn: arn(caller.region, 'job-queue', q.name),
      state: 'ENABLED',
      status: 'VALID',
      statusReason: 'configured in the service config',
      priority: q.priority,
      computeEnvironmentOrder: [
        { order: 1, computeEnvironment: arn(caller.region, 'compute-environment', q.computeEnvironment) },
      ],
      jobStateTimeLimitActions:
        q.maxRunnableSeconds === undefined
          ? []
          : [
              {
                reason: 'maxRunnableSeconds',
                state: 'RUNNABLE',
                maxTimeSeconds: q.maxRunnableSeconds,
                action: 'CANCEL',
              },
            ],
    })),
    ...(nextToken ? { nextToken } : {}),
  };
}

export async function describeComputeEnvironments(services: AwsServices, caller: AwsCaller, body: unknown) {
  const input = parseOrThrow(DescribeSchema('computeEnvironments'), body, 'request');
  const wanted = (input['computeEnvironments'] as string[] | undefined)?.map((c) =>
    nameFromArnOrName(c, 'compute-environment'),
  );
  const environments = services.computeEnvironments.filter((c) => !wanted || wanted.includes(c.name));
  const { items, nextToken } = page(environments, input.maxResults as number | undefined, input.nextToken);
  return {
    computeEnvironments: items.map((c) => ({
      computeEnvironmentName: c.name,
      computeEnvironmentArn: arn(caller.region, 'compute-environment', c.name),
      type: 'UNMANAGED',
      state: 'ENABLED',
      status: 'VALID',
      statusReason: `gpubatch ${c.type} compute environment, scorer ${c.scorer}`,
    })),
    ...(nextToken ? { nextToken } : {}),
  };
}

const SnapshotSchema = z.strictObject({ jobQueue: z.string().min(1) });
const SNAPSHOT_SIZE = 100;

/**
 * The RUNNABLE jobs the scheduler would consider first: higher priority, then older. The native order
 * also weighs fair share and queue priority, which this does not replay; earliestTimeAtPosition is the
 * time each job became RUNNABLE (docs/aws-batch.md).
 */
export async function getJobQueueSnapshot(services: AwsServices, caller: AwsCaller, body: unknown) {
  const { jobQueue } = parseOrThrow(SnapshotSchema, body, 'request');
  const queue = nameFromArnOrName(jobQueue, 'job-queue');
  if (!services.queues.some((q) => q.name === queue))
    throw new ClientException(`jobQueue: no job queue named ${queue}`);
  const runnable: JobRecord[] = [];
  let cursor: string | undefined;
  do {
    const got = await services.jobs.list({ queue, status: 'RUNNABLE', limit: 500, cursor });
    runnable.push(...got.jobs);
    cursor = got.nextCursor;
  } while (cursor && runnable.length < 10_000);
  const since = (job: JobRecord) => job.events.findLast((e) => e.status === 'RUNNABLE')?.at ?? job.createdAt;
  runnable.sort((a, b) => b.spec.priority - a.spec.priority || since(a) - since(b));
  return {
    frontOfQueue: {
      jobs: runnable.slice(0, SNAPSHOT_SIZE).map((job) => ({
        jobArn: arn(caller.region, 'job', job.id),
        earliestTimeAtPosition: since(job),
      })),
      lastUpdatedAt: services.now(),
    },
  };
}
