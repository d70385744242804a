// The AWS SDK's Batch client for tests: signs with the given key, tries each call once (a refusal is what
// the tests look at, not something to retry), and is destroyed after the test.
import { BatchClient } from '@aws-sdk/client-batch';
import type { ExecutionContext } from 'ava';
import type { AwsKey } from './fuzz/sigv4-signer.ts';

export function batchClient(
  t: ExecutionContext,
  endpoint: string,
  { accessKeyId, secretAccessKey }: AwsKey,
  region = 'us-east-1',
): BatchClient {
  const batch = new BatchClient({
    endpoint,
    region,
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 1,
  });
  t.teardown(() => batch.destroy());
  return batch;
}
