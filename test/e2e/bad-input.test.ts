// Bad input against the real service: each is a 4xx problem naming the field, nothing is stored or
// queued, and the service keeps serving.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { createMatrix } from '../../kernels/matrix.ts';
import { writeNpy } from '../../runner/io/npy.ts';
import { serviceForFile } from '../support/service-process.ts';

const REPO = new URL('../../', import.meta.url).pathname;
const gpubatch = serviceForFile(test, {
  prefix: 'gpubatch-bad-input-',
  prepare: async (work) => {
    mkdirSync(join(work, 'data'));
    await writeNpy(join(work, 'data/good.npy'), createMatrix(4, 2));
    writeFileSync(join(work, 'data/broken.npy'), Buffer.from('\x93NUMPY\x01\x00garbage'));
  },
  // A declared inventory: 2 GPUs, so "absurd" is judged against a known node.
  env: (work) => ({ GPUBATCH_CONFIG: writeConfig(work) }),
});

function writeConfig(work: string): string {
  const path = join(work, 'gpubatch.yaml');
  const config = [
    'computeEnvironments:',
    '  - name: local',
    '    type: local',
    '    inventory: { gpus: [{ model: L4 }, { model: L4 }], cpuMilli: 8000, memoryMiB: 16384 }',
  ];
  writeFileSync(path, `${config.join('\n')}\n`);
  return path;
}

const good = {
  name: 'ok',
  kind: 'kernel',
  kernel: 'standardize',
  input: join('data', 'good.npy'),
  output: join('out', 'x.npy'),
};

interface Answer {
  status: number;
  contentType: string;
  problem: Record<string, unknown>;
}

async function submit(body: unknown): Promise<Answer> {
  const response = await gpubatch.service.fetch(`/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    problem: (await response.json()) as Record<string, unknown>,
  };
}

const fieldsOf = (problem: Record<string, unknown>) =>
  ((problem.errors as { field: string }[] | undefined) ?? []).map((e) => e.field);

const cases: [string, unknown, number, string][] = [
  ['an unknown kernel', { ...good, kernel: 'no-such-kernel' }, 422, 'kernel'],
  [
    'a missing model file',
    { ...good, kind: 'inference', kernel: undefined, model: 'nope.onnx' },
    422,
    'model',
  ],
  ['a malformed .npy input', { ...good, input: 'data/broken.npy' }, 422, 'input'],
  ['a missing input', { ...good, input: 'data/missing.npy' }, 422, 'input'],
  ['negative GPUs', { ...good, resources: { gpus: -1 } }, 400, 'resources.gpus'],
  ['absurd memory', { ...good, resources: { memoryMiB: 10 ** 12 } }, 400, 'resources.memoryMiB'],
  ['more GPUs than any node has', { ...good, resources: { gpus: 3 } }, 422, 'resources'],
  ['a GPU model no node has', { ...good, resources: { gpus: 1, gpuModel: ['H100'] } }, 422, 'resources'],
  ['an unknown queue', { ...good, queue: 'nope' }, 422, 'queue'],
  [
    'a list of six evaluateOnExit rules',
    { ...good, retry: { attempts: 2, evaluateOnExit: Array(6).fill({ onExitCode: '3', action: 'EXIT' }) } },
    400,
    'retry.evaluateOnExit',
  ],
];

for (const [what, body, status, field] of cases) {
  test.serial(`${what} is a ${status} naming ${field}, and nothing is queued`, async (t) => {
    const answer = await submit(body);
    t.is(answer.status, status);
    t.regex(answer.contentType, /application\/problem\+json/);
    const { problem } = answer;
    t.true(fieldsOf(problem).includes(field), `fields: ${fieldsOf(problem).join(', ')}`);
  });
}

test.serial('a body over the size limit is a 413', async (t) => {
  const { status, problem } = await submit({ ...good, params: { pad: 'x'.repeat(2 * 1024 * 1024) } });
  t.is(status, 413);
  t.is(problem.status, 413);
});

test.serial('invalid YAML is refused by the CLI with the line, before anything is sent', async (t) => {
  writeFileSync(join(gpubatch.work, 'bad.yaml'), 'name: x\nkind: [kernel\n');
  const result = await gpubatch.cli('submit', 'bad.yaml');
  t.is(result.code, 2);
  t.regex(result.stderr, /bad\.yaml:\d+:\d+: invalid YAML/);
});

test.serial('after all of that the service is healthy and holds no job', async (t) => {
  t.is((await fetch(`${gpubatch.service.url}/healthz`)).status, 200);
  const list = (await (await gpubatch.service.fetch(`/v1/jobs`)).json()) as { jobs: unknown[] };
  t.deepEqual(list.jobs, []);
  const ok = await submit(good);
  t.is(ok.status, 201, 'and still accepts good jobs');
});

test.serial('a second service on a port in use exits 1 with a message naming the port', async (t) => {
  const port = new URL(gpubatch.service.url).port;
  const second = spawnSync(process.execPath, [join(REPO, 'cli/gpubatch.ts'), 'up'], {
    cwd: gpubatch.work,
    env: {
      ...process.env,
      PORT: port,
      REDIS_URL: gpubatch.redis.url,
      GPUBATCH_DATA_DIR: join(gpubatch.work, '.second'),
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
  t.is(second.status, 1);
  t.regex(second.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use.*set PORT`));
});
