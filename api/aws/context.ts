// What the AWS-compatible operations need: the native services, and who signed the request.

import type { ComputeEnvironmentCatalog } from '../compute-environment-catalog.ts';
import type { JobDefinitionRegistry } from '../job-definitions/registry.ts';
import type { JobService } from '../job-service.ts';
import type { QueueCatalog } from '../queue-catalog.ts';

/** A configured compute environment, as DescribeComputeEnvironments shows it. */
export interface AwsComputeEnvironmentInfo {
  name: string;
  type: string;
  scorer: string;
}

/** What a key may do: `submitter` the job operations; `admin` also creates and changes queues and pools. */
export type AccessKeyRole = 'admin' | 'submitter';

export interface AccessKeyRecord {
  accessKeyId: string;
  secretAccessKey: string;
  tenant: string;
  role: AccessKeyRole;
  createdAt: number;
}

/** The real one is scheduler/store/access-keys.ts. */
export interface AccessKeyRegistry {
  create(tenant: string, role?: AccessKeyRole): Promise<AccessKeyRecord>;
  get(accessKeyId: string): Promise<AccessKeyRecord | undefined>;
  /** False when there was no such key. */
  delete(accessKeyId: string): Promise<boolean>;
}

export interface AwsServices {
  jobs: JobService;
  definitions: JobDefinitionRegistry;
  accessKeys: AccessKeyRegistry;
  /** The job queues (CreateJobQueue, UpdateJobQueue, DescribeJobQueues). */
  queues: QueueCatalog;
  computeEnvironments: AwsComputeEnvironmentInfo[];
  /** Run-time settings of compute environments (UpdateComputeEnvironment); absent: refused. */
  computeEnvironmentCatalog?: ComputeEnvironmentCatalog;
  now: () => number;
}

/** The signer of a verified request. */
export interface AwsCaller {
  accessKeyId: string;
  tenant: string;
  /** The region of the credential scope; ARNs in answers use it. */
  region: string;
}
