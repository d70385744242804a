// The AWS queue operations read the queue's name from the raw body before validating it (for the
// schedulingPolicyArn refusal): a hostile body there is a client error, never a TypeError (a 500).
import test from 'ava';
import type { AwsCaller, AwsServices } from '../../api/aws/context.ts';
import { createJobQueue, updateJobQueue } from '../../api/aws/queue-operations.ts';

const caller = { tenant: 'default', region: 'eu-west-1' } as AwsCaller;
const services = {} as AwsServices;
// String() of this throws "Cannot convert object to primitive value".
const unprintable = { toString: {}, valueOf: 'x' };

test('UpdateJobQueue with a jobQueue that cannot be turned into a string is refused as a bad request', async (t) => {
  const error = await t.throwsAsync(() => updateJobQueue(services, caller, { jobQueue: unprintable }));
  t.false(error instanceof TypeError, String(error));
  t.regex(error!.message, /jobQueue/);
});

test('CreateJobQueue with such a jobQueueName and a schedulingPolicyArn names the policy, not a crash', async (t) => {
  const error = await t.throwsAsync(() =>
    createJobQueue(services, caller, { jobQueueName: unprintable, schedulingPolicyArn: 'arn:x' }),
  );
  t.false(error instanceof TypeError, String(error));
  t.regex(error!.message, /schedulingPolicyArn/);
});
