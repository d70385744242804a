// Job queues are managed at run time (the native queue catalog, scheduler/store/queue-registry.ts):
// CreateJobQueue / UpdateJobQueue / DescribeJobQueues map AWS Batch's fields onto it (compute environments:
// compute-environment-operations.ts).
// GetJobQueueSnapshot lists the front of a queue's RUNNABLE jobs.
import { z } from 'zod';
import { normalizeQueue, queueEnvironments } from '../../scheduler/config.ts';
import type { JobRecord } from '../../scheduler/job-record.ts';
import type { QueuePatch, QueueView } from '../queue-catalog.ts';
import { QueueCreateSchema, QueuePatchSchema } from '../schemas/queue.ts';
import { parseOrThrow } from '../validate.ts';
import { arn, nameFromArnOrName } from './arn.ts';
import type { AwsCaller, AwsServices } from './context.ts';
import { DescribeSchema, page } from './describe-page.ts';
import { ClientException } from './errors.ts';

/** Up to three compute environments, tried by ascending `order` (AWS Batch's limit and meaning). */
const ComputeEnvironmentOrderSchema = z
  .array(z.strictObject({ order: z.int().min(0), computeEnvironment: z.string().min(1) }))
  .min(1)
  .max(3)
  .refine((entries) => new Set(entries.map((e) => e.order)).size === entries.length, 'each order value once');

/** AWS Batch's only action: cancel jobs RUNNABLE too long (gpubatch's maxRunnableSeconds). */
const TimeLimitActionsSchema = z
  .array(
    z.strictObject({
      reason: z.string().min(1),
      state: z.literal('RUNNABLE'),
      maxTimeSeconds: z.int().min(1),
      action: z.literal('CANCEL'),
    }),
  )
  .max(1, 'gpubatch keeps one RUNNABLE time limit per queue');

/**
 * AWS Batch keeps fair share in a separate SchedulingPolicy resource named by ARN; gpubatch keeps it on the
 * queue (`fairSharePolicy`), so an ARN here is refused saying where the policy goes instead.
 */
/** The body's `key` when it is a string; a hostile body may hold anything there (String() of it can throw). */
function stringField(body: unknown, key: string): string {
  const value =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' ? value : '<name>';
}

function refuseSchedulingPolicyArn(body: unknown, queue: string): void {
  if (typeof body !== 'object' || body === null || !('schedulingPolicyArn' in body)) return;
  throw new ClientException(
    `schedulingPolicyArn: gpubatch has no scheduling policy resources; a job queue carries its own fair-share policy: PATCH /v1/queues/${queue} with {"fairSharePolicy": {"shareWeights": {...}, "shareDecaySeconds": ..., "computeReservation": ...}} (docs/aws-batch.md)`,
  );
}

const CreateJobQueueSchema = z.strictObject({
  jobQueueName: z.string().min(1),
  state: z.enum(['ENABLED', 'DISABLED']).optional(),
  priority: z.int(),
  computeEnvironmentOrder: ComputeEnvironmentOrderSchema,
  jobStateTimeLimitActions: TimeLimitActionsSchema.optional(),
});

const UpdateJobQueueSchema = z.strictObject({
  jobQueue: z.string().min(1),
  state: z.enum(['ENABLED', 'DISABLED']).optional(),
  priority: z.int().optional(),
  computeEnvironmentOrder: ComputeEnvironmentOrderSchema.optional(),
  jobStateTimeLimitActions: TimeLimitActionsSchema.optional(),
});

/** The environments' names by ascending order, each one known. */
function environmentsOf(
  services: AwsServices,
  order: z.output<typeof ComputeEnvironmentOrderSchema>,
): string[] {
  const known = services.queues.computeEnvironmentNames();
  return order
    .map((entry, index) => ({ ...entry, index }))
    .sort((a, b) => a.order - b.order)
    .map(({ computeEnvironment, index }) => {
      const name = nameFromArnOrName(computeEnvironment, 'compute-environment');
      if (!known.includes(name))
        throw new ClientException(
          `computeEnvironmentOrder[${index}].computeEnvironment: no compute environment named ${name}; known: ${known.join(', ')}`,
        );
      return name;
    });
}

export async function createJobQueue(services: AwsServices, caller: AwsCaller, body: unknown) {
  refuseSchedulingPolicyArn(body, stringField(body, 'jobQueueName'));
  const input = parseOrThrow(CreateJobQueueSchema, body, 'request');
  const limit = input.jobStateTimeLimitActions?.[0];
  const queue: QueueView = parseOrThrow(
    QueueCreateSchema,
    {
      name: input.jobQueueName,
      computeEnvironments: environmentsOf(services, input.computeEnvironmentOrder),
      priority: input.priority,
      ...(input.state ? { state: input.state } : {}),
      ...(limit ? { maxRunnableSeconds: limit.maxTimeSeconds } : {}),
    },
    'request',
  );
  if (!(await services.queues.create(normalizeQueue(queue, true))))
    throw new ClientException(`jobQueueName: a job queue named ${queue.name} exists already`);
  return { jobQueueName: queue.name, jobQueueArn: arn(caller.region, 'job-queue', queue.name) };
}

export async function updateJobQueue(services: AwsServices, caller: AwsCaller, body: unknown) {
  refuseSchedulingPolicyArn(body, nameFromArnOrName(stringField(body, 'jobQueue'), 'job-queue'));
  const input = parseOrThrow(UpdateJobQueueSchema, body, 'request');
  const name = nameFromArnOrName(input.jobQueue, 'job-queue');
  const patch: QueuePatch = parseOrThrow(
    QueuePatchSchema,
    {
      ...(input.priority !== undefined ? { priority: input.priority } : {}),
      ...(input.state ? { state: input.state } : {}),
      ...(input.computeEnvironmentOrder
        ? { computeEnvironments: environmentsOf(services, input.computeEnvironmentOrder) }
        : {}),
      // An empty list removes the limit, as in AWS Batch.
      ...(input.jobStateTimeLimitActions
        ? { maxRunnableSeconds: input.jobStateTimeLimitActions[0]?.maxTimeSeconds ?? null }
        : {}),
    },
    'request',
  );
  const queue = await services.queues.update(
    name,
    patch.computeEnvironments ? { ...patch, computeEnvironment: patch.computeEnvironments[0]! } : patch,
  );
  if (!queue) throw new ClientException(`jobQueue: no job queue named ${name}`);
  return { jobQueueName: queue.name, jobQueueArn: arn(caller.region, 'job-queue', queue.name) };
}

export async function describeJobQueues(services: AwsServices, caller: AwsCaller, body: unknown) {
  const input = parseOrThrow(DescribeSchema('jobQueues'), body, 'request');
  const wanted = (input['jobQueues'] as string[] | undefined)?.map((q) => nameFromArnOrName(q, 'job-queue'));
  const queues = (await services.queues.list()).filter((q) => !wanted || wanted.includes(q.name));
  const { items, nextToken } = page(queues, input.maxResults as number | undefined, input.nextToken);
  return {
    jobQueues: items.map((q) => ({
      jobQueueName: q.name,
      jobQueueArn: arn(caller.region, 'job-queue', q.name),
      state: q.state,
      status: 'VALID',
      priority: q.priority,
      // The queue's own fair-share policy, named as AWS would name a scheduling policy (there is no such
      // resource to describe: the policy is part of the queue, GET /v1/queues/<name>).
      ...(q.fairSharePolicy ? { schedulingPolicyArn: arn(caller.region, 'scheduling-policy', q.name) } : {}),
      computeEnvironmentOrder: queueEnvironments(q).map((name, index) => ({
        order: index + 1,
        computeEnvironment: arn(caller.region, 'compute-environment', name),
      })),
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
  if (!(await services.queues.get(queue))) throw new ClientException(`jobQueue: no job queue named ${queue}`);
  const runnable: JobRecord[] = [];
  let cursor: string | undefined;
  do {
    // Only the key's tenant's jobs: another tenant's ids are never shown to it.
    const got = await services.jobs.list({
      queue,
      status: 'RUNNABLE',
      limit: 500,
      cursor,
      tenant: caller.tenant,
    });
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
