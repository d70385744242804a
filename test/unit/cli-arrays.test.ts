// gpubatch and array jobs: submit's array and dependency flags, describe's summary, retry-failed.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { ARRAY_INDEX_PLACEHOLDERS } from '../../api/schemas/array-spec.ts';
import { aJobRecord, aValidatedJobSpec } from '../support/api-builders.ts';
import { startApi } from '../support/api-harness.ts';
import { gpubatch } from '../support/cli-harness.ts';

const perChild = `/data/out-${ARRAY_INDEX_PLACEHOLDERS[0]}.npy`;

async function specFile(t: ExecutionContext, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gpubatch-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'job.yaml'), text);
  return dir;
}

const sweep = `
name: sweep
kind: kernel
kernel: standardize
input: /data/in.npy
output: "${perChild}"
arraySize: 4
dependsOn:
  - jobId: prep
`;

test('submit sends arraySize and dependsOn from the file, and the flags add to them', async (t) => {
  const api = await startApi(t);
  api.jobs.put(aJobRecord({ id: 'prep' }));
  api.jobs.put(aJobRecord({ id: 'other' }));
  api.jobs.put(aJobRecord({ id: 'features' }));
  const cwd = await specFile(t, sweep);

  const run = await gpubatch(
    [
      'submit',
      'job.yaml',
      '--max-concurrent',
      '2',
      '--depends-on',
      'other',
      '--n-to-n',
      'features',
      '--sequential',
    ],
    { cwd, env: api.env },
  );

  t.is(run.code, 0, run.stderr);
  t.like(api.jobs.submitted[0], { arraySize: 4, maxConcurrent: 2 });
  t.deepEqual(api.jobs.submitted[0]?.dependsOn, [
    { jobId: 'prep' },
    { jobId: 'other' },
    { jobId: 'features', type: 'N_TO_N' },
    { type: 'SEQUENTIAL' },
  ]);
});

test('a bad array size on the command line names the field and sends nothing', async (t) => {
  const api = await startApi(t);
  const cwd = await specFile(t, sweep.replace('arraySize: 4\n', ''));

  const run = await gpubatch(['submit', 'job.yaml', '--array-size', '1'], {
    cwd,
    env: api.env,
  });

  t.is(run.code, 2);
  t.regex(run.stderr, /job\.yaml: arraySize: Too small: expected number to be >=2/);
  t.is(api.jobs.submitted.length, 0);
});

test('describe shows an array parent with its children per status and its dependencies', async (t) => {
  const api = await startApi(t);
  api.jobs.put(
    aJobRecord({
      id: 'arr',
      spec: aValidatedJobSpec({
        arraySize: 5,
        maxConcurrent: 2,
        output: perChild,
        dependsOn: [{ jobId: 'prep' }, { type: 'SEQUENTIAL' }],
      }),
      status: 'PENDING',
      statusReason: 'array of 5 children; no dependencies',
      arrayProperties: {
        size: 5,
        statusSummary: {
          SUBMITTED: 0,
          PENDING: 2,
          RUNNABLE: 0,
          STARTING: 0,
          RUNNING: 1,
          SUCCEEDED: 1,
          FAILED: 1,
        },
      },
    }),
  );
  api.jobs.put(aJobRecord({ id: 'arr:3', arrayProperties: { index: 3 } }));

  const parent = await gpubatch(['describe', 'arr'], { env: api.env });
  const child = await gpubatch(['describe', 'arr:3'], { env: api.env });

  t.is(parent.code, 0);
  t.regex(parent.stdout, /^Array +5 children, at most 2 at once$/m);
  t.regex(parent.stdout, /^Children +PENDING 2 {2}RUNNING 1 {2}SUCCEEDED 1 {2}FAILED 1$/m);
  t.regex(parent.stdout, /^Depends on +prep, \(SEQUENTIAL\)$/m);
  t.regex(child.stdout, /^Array +child 3 of arr$/m);
});

test('retry-failed posts to the API and reports the outcome; a 409 exits 2', async (t) => {
  const api = await startApi(t);
  api.jobs.put(aJobRecord({ id: 'plain', status: 'FAILED' }));

  const run = await gpubatch(['retry-failed', 'plain'], { env: api.env });

  t.is(run.code, 2);
  t.regex(run.stderr, /job plain is not an array job/);
});
