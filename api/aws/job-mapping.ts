// A job record in AWS Batch's JobDetail and JobSummary shapes (epoch ms timestamps, ARNs, same statuses).
import type { JobRecord } from '../../scheduler/job-record.ts';
import { arn } from './arn.ts';
import { formatCommand } from './command.ts';
import { requirementsFromResources } from './resources.ts';
import { retryToAws } from './retry.ts';

function lastAttempt(job: JobRecord) {
  return job.attempts.at(-1);
}

function containerResult(job: JobRecord) {
  const last = lastAttempt(job);
  return last?.stoppedAt === undefined ? {} : { exitCode: last.exitCode, reason: last.reason };
}

export function jobDetail(job: JobRecord, region: string) {
  const { spec } = job;
  return {
    jobArn: arn(region, 'job', job.id),
    jobName: spec.name,
    jobId: job.id,
    jobQueue: arn(region, 'job-queue', spec.queue),
    status: job.status,
    statusReason: job.statusReason,
    shareIdentifier: spec.shareIdentifier,
    schedulingPriority: spec.priority,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    stoppedAt: job.stoppedAt,
    attempts: job.attempts
      .filter((a) => a.stoppedAt !== undefined)
      .map((a) => ({
        container: { exitCode: a.exitCode, reason: a.reason },
        startedAt: a.startedAt,
        stoppedAt: a.stoppedAt,
        statusReason: a.reason,
      })),
    dependsOn: spec.dependsOn,
    jobDefinition: job.jobDefinition ? arn(region, 'job-definition', job.jobDefinition) : undefined,
    container: {
      command: formatCommand(spec),
      resourceRequirements: requirementsFromResources(spec.resources),
      ...containerResult(job),
    },
    arrayProperties: job.arrayProperties,
    retryStrategy: retryToAws(spec.retry),
    timeout: { attemptDurationSeconds: spec.timeoutSeconds },
    isCancelled: job.isCancelled,
    isTerminated: job.isTerminated,
    platformCapabilities: ['EC2'],
  };
}

export function jobSummary(job: JobRecord, region: string) {
  return {
    jobArn: arn(region, 'job', job.id),
    jobId: job.id,
    jobName: job.spec.name,
    createdAt: job.createdAt,
    status: job.status,
    statusReason: job.statusReason,
    startedAt: job.startedAt,
    stoppedAt: job.stoppedAt,
    container: containerResult(job),
    arrayProperties: job.arrayProperties
      ? { size: job.arrayProperties.size, index: job.arrayProperties.index }
      : undefined,
    jobDefinition: job.jobDefinition ? arn(region, 'job-definition', job.jobDefinition) : undefined,
  };
}
