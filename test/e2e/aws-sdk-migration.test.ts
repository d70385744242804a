// The migration path as a user follows it: the real service (`gpubatch up`), a key from the real CLI, then
// the real AWS SDK registers a container definition, submits it, and the real runner runs the kernel.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeJobQueuesCommand,
  DescribeJobsCommand,
  RegisterJobDefinitionCommand,
  SubmitJobCommand,
} from '@aws-sdk/client-batch';
import test from 'ava';
import { batchClient } from '../support/aws-batch-client.ts';
import { npyBytes } from '../support/npy-fixtures.ts';
import { serviceForFile } from '../support/service-process.ts';

const gpubatch = serviceForFile(test, {
  prefix: 'gpubatch-aws-',
  prepare: (work) =>
    writeFileSync(join(work, 'in.npy'), npyBytes({ shape: '(3, 2)', values: [1, 2, 3, 4, 5, 7] })),
});

test.serial(
  'a key from `gpubatch keys create --json` lets the AWS SDK run a kernel job to SUCCEEDED',
  async (t) => {
    const created = await gpubatch.cli('keys', 'create', '--tenant', 'team-a', '--json');
    t.is(created.code, 0, created.stderr);
    const credentials = JSON.parse(created.stdout) as { accessKeyId: string; secretAccessKey: string };
    const batch = batchClient(t, gpubatch.service.url, credentials);

    const queues = await batch.send(new DescribeJobQueuesCommand({}));
    t.deepEqual(
      queues.jobQueues?.map((q) => q.jobQueueName),
      ['default'],
    );

    await batch.send(
      new RegisterJobDefinitionCommand({
        jobDefinitionName: 'std',
        type: 'container',
        parameters: { name: 'out' },
        containerProperties: {
          command: [
            'gpubatch',
            'kernel',
            'standardize',
            '--input',
            join(gpubatch.work, 'in.npy'),
            '--output',
            join(gpubatch.work, 'Ref::name.npy'),
          ],
          resourceRequirements: [
            { type: 'VCPU', value: '0.1' },
            { type: 'MEMORY', value: '64' },
          ],
        },
      }),
    );
    const { jobId } = await batch.send(
      new SubmitJobCommand({
        jobName: 'std-1',
        jobQueue: 'default',
        jobDefinition: 'std',
        parameters: { name: 'z' },
      }),
    );
    const deadline = Date.now() + 60_000;
    let status: string | undefined;
    while (Date.now() < deadline) {
      status = (await batch.send(new DescribeJobsCommand({ jobs: [jobId!] }))).jobs?.[0]?.status;
      if (status === 'SUCCEEDED' || status === 'FAILED') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    t.is(status, 'SUCCEEDED', gpubatch.service.output().slice(-2000));
    t.true(existsSync(join(gpubatch.work, 'z.npy')));
    t.false(gpubatch.service.output().includes(credentials.secretAccessKey), 'the secret is never logged');
  },
);
