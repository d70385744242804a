// What the AWS-compatible operations need: the native services, and who signed the request.
import type { JobDefinitionRegistry } from '../job-definitions/registry.ts';
import type { JobService } from '../job-service.ts';

/** A configured job queue, as DescribeJobQueues shows it. */
export interface AwsQueueInfo {
  name: string;
  computeEnvironment: string;
  priority: number;
  maxRunnableSeconds?: number;
}

/** A configured compute environment, as DescribeComputeEnvironments shows it. */
export interface AwsComputeEnvironmentInfo {
  name: string;
  type: string;
  scorer: string;
}

export interface AccessKeyRecord {
  accessKeyId: string;
  secretAccessKey: string;
  tenant: string;
  createdAt: number;
}

/** The real one is scheduler/store/access-keys.ts. */
export interface AccessKeyRegistry {
  create(tenant: string): Promise<AccessKeyRecord>;
  get(accessKeyId: string): Promise<AccessKeyRecord | undefined>;
  /** False when there was no such key. */
  delete(accessKeyId: string): Promise<boolean>;
}

export interface AwsServices {
  jobs: JobService;
  definitions: JobDefinitionRegistry;
  accessKeys: AccessKeyRegistry;
  queues: AwsQueueInfo[];
  computeEnvironments: AwsComputeEnvironmentInfo[];
  now: () => number;
}

/** The signer of a verified request. */
export interface AwsCaller {
  accessKeyId: string;
  tenant: string;
  /** The region of the credential scope; ARNs in answers use it. */
  region: string;
}
