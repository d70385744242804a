// Checkpoints, sharding and confidence routing through the real service: submit -> run -> SIGTERM ->
// restart (or preemption by a more urgent job) -> the job resumes from its checkpoint, and its output and
// review file are byte for byte those of an uninterrupted run; shards' outputs concatenate to the single
// job's.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { EXAMPLE_MLP, exampleFeatures } from '../../examples/prepare.ts';
import { buildMlpModel } from '../../kernels/onnx/mlp-model.ts';
import { readNpy, writeNpy } from '../../runner/io/npy.ts';
import { testRedis } from '../support/redis-server.ts';
import { hasStatus, pollJob, type ServiceProcess, startService } from '../support/service-process.ts';

/** At batch size 1 about 2 s of work on a 2-core machine (the SIGTERM lands after some 4,000 rows). */
const ROWS = 40_000;
const REVIEW_BELOW = 0.6;

async function workspace(t: ExecutionContext, rows: number, configYaml?: string) {
  const work = mkdtempSync(join(tmpdir(), 'gpubatch-resume-'));
  const redis = await testRedis({ appendOnly: true });
  t.teardown(async () => {
    await redis.stop();
    rmSync(work, { recursive: true, force: true });
  });
  writeFileSync(join(work, 'mlp.onnx'), buildMlpModel(EXAMPLE_MLP));
  await writeNpy(join(work, 'features.npy'), exampleFeatures({ rows, cols: 8, seed: 21 }));
  const env: NodeJS.ProcessEnv = {};
  if (configYaml) {
    env.GPUBATCH_CONFIG = join(work, 'gpubatch.yaml');
    writeFileSync(env.GPUBATCH_CONFIG, configYaml);
  }
  return { work, options: { cwd: work, redisUrl: redis.url, dataDir: join(work, '.gpubatch'), env } };
}

async function submit(service: ServiceProcess, spec: object): Promise<string> {
  const response = await service.fetch(`/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'inference', model: 'mlp.onnx', input: 'features.npy', ...spec }),
  });
  if (response.status !== 201) throw new Error(`submit: HTTP ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

interface ReviewLine {
  row: number;
  prediction: number;
  confidence: number;
}

test.serial(
  'SIGTERM mid-run, restart: the job resumes from its checkpoint and its output and review file equal an uninterrupted run byte for byte',
  async (t) => {
    const { work, options } = await workspace(t, ROWS);
    let service = await startService(options);
    t.teardown(() => service.stop('SIGKILL'));
    const params = { batchSize: 1, reviewBelow: REVIEW_BELOW };
    const id = await submit(service, { name: 'resumed', output: 'run/p.npy', params });
    await pollJob(service, id, (job) => job.status === 'RUNNING' && (job.progress?.done ?? 0) > 0);

    t.is(await service.stop('SIGTERM'), 0);
    service = await startService(options);
    const done = await pollJob(service, id, hasStatus('SUCCEEDED'), 120_000);
    const [interrupted, resumed] = done.attempts;
    t.is(interrupted?.outcome, 'interrupted');
    const nextRow = interrupted?.checkpoint?.nextRow ?? 0;
    t.true(nextRow > 0 && nextRow < ROWS, `checkpoint at row ${nextRow}`);
    t.log(
      `interrupted at row ${nextRow}; resumed attempt took ${(resumed?.stoppedAt ?? 0) - (resumed?.startedAt ?? 0)} ms`,
    );
    t.regex(
      interrupted?.reason ?? '',
      new RegExp(`checkpoint at row \\d+ of \\[0, ${ROWS}\\), will resume there`),
    );
    t.is(resumed?.outcome, 'succeeded');
    t.is(done.result?.details?.resumedFromRow, nextRow);
    t.is(done.result?.rows, ROWS);

    const reference = await submit(service, { name: 'reference', output: 'ref/p.npy', params });
    const uninterrupted = await pollJob(service, reference, hasStatus('SUCCEEDED'), 120_000);
    t.is(uninterrupted.attempts.length, 1);
    t.true(readFileSync(join(work, 'run/p.npy')).equals(readFileSync(join(work, 'ref/p.npy'))));
    const review = readFileSync(join(work, 'run/review.jsonl'), 'utf8');
    t.is(review, readFileSync(join(work, 'ref/review.jsonl'), 'utf8'));
    t.deepEqual(readdirSync(join(work, 'run')).sort(), ['p.npy', 'review.jsonl'], 'no checkpoint is left');

    // Confidence routing: exactly the rows whose top probability is below the threshold, in order.
    const probabilities = await readNpy(join(work, 'run/p.npy'));
    const expected: ReviewLine[] = [];
    for (let row = 0; row < probabilities.rows; row++) {
      const scores = Array.from(probabilities.data.subarray(row * 3, row * 3 + 3));
      const confidence = Math.max(...scores);
      if (confidence < REVIEW_BELOW)
        expected.push({ row, prediction: scores.indexOf(confidence), confidence });
    }
    // Confidences are written as the shortest decimal that reads back as the same float32.
    const lines = review
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as ReviewLine)
      .map((line) => ({ ...line, confidence: Math.fround(line.confidence) }));
    t.true(lines.length > 0 && lines.length < ROWS, `${lines.length} rows to review`);
    t.deepEqual(lines, expected);
    t.is(done.result?.details?.review && (done.result.details.review as { rows: number }).rows, lines.length);
  },
);

test.serial(
  'three shards through the service: their JSONL outputs and review files concatenate to the single job’s',
  async (t) => {
    const { work, options } = await workspace(t, 5_000);
    const service = await startService(options);
    t.teardown(() => service.stop('SIGKILL'));
    const params = { batchSize: 128, reviewBelow: REVIEW_BELOW };
    const ids = [
      await submit(service, { name: 'single', output: 'single/p.jsonl', params }),
      ...(await Promise.all(
        [0, 1, 2].map((index) =>
          submit(service, {
            name: `shard-${index}`,
            output: `shards/p-${index}.jsonl`,
            params: { ...params, shard: { index, count: 3 } },
          }),
        ),
      )),
    ];
    const jobs = await Promise.all(ids.map((id) => pollJob(service, id, hasStatus('SUCCEEDED'), 60_000)));
    t.deepEqual(
      jobs.slice(1).map((job) => job.result?.details?.shard),
      [
        { index: 0, count: 3, start: 0, end: 1666 },
        { index: 1, count: 3, start: 1666, end: 3333 },
        { index: 2, count: 3, start: 3333, end: 5000 },
      ],
    );
    const read = (path: string) => readFileSync(join(work, path), 'utf8');
    const joined = (name: (index: number) => string) => [0, 1, 2].map((i) => read(name(i))).join('');
    t.is(
      joined((i) => `shards/p-${i}.jsonl`),
      read('single/p.jsonl'),
    );
    t.is(
      joined((i) => `shards/review-${i}-of-3.jsonl`),
      read('single/review.jsonl'),
    );
    t.true(read('single/review.jsonl').length > 0);
  },
);

test.serial(
  'a preempted inference job resumes from its checkpoint in the same warm runner (model cache hit), byte-identical',
  async (t) => {
    const config = [
      'queues:',
      '  - { name: default }',
      '  - { name: urgent, priority: 10, canPreempt: true }',
      'computeEnvironments:',
      '  - { name: local, type: local, inventory: { gpus: [{ model: L4 }] } }',
    ].join('\n');
    const { work, options } = await workspace(t, ROWS, config);
    await writeNpy(join(work, 'matrix.npy'), exampleFeatures({ rows: 100, cols: 4, seed: 2 }));
    const service = await startService(options);
    t.teardown(() => service.stop('SIGKILL'));
    const onGpu = { resources: { gpus: 1 } };
    const params = { batchSize: 1 };
    const id = await submit(service, { name: 'victim', output: 'run/p.npy', params, ...onGpu });
    await pollJob(service, id, (job) => job.status === 'RUNNING' && (job.progress?.done ?? 0) > 0);
    const urgent = await submit(service, {
      name: 'urgent',
      queue: 'urgent',
      kind: 'kernel',
      kernel: 'standardize',
      input: 'matrix.npy',
      output: 'urgent/m.npy',
      ...onGpu,
    });

    const done = await pollJob(service, id, hasStatus('SUCCEEDED'), 120_000);
    await pollJob(service, urgent, hasStatus('SUCCEEDED'), 10_000);
    t.deepEqual(
      done.attempts.map((a) => a.outcome),
      ['preempted', 'succeeded'],
    );
    const nextRow = done.attempts[0]?.checkpoint?.nextRow ?? 0;
    t.true(nextRow > 0 && nextRow < ROWS, `checkpoint at row ${nextRow}`);
    t.like(done.result?.details, { resumedFromRow: nextRow, modelCache: 'hit' });

    const reference = await submit(service, { name: 'reference', output: 'ref/p.npy', params, ...onGpu });
    await pollJob(service, reference, hasStatus('SUCCEEDED'), 120_000);
    t.true(readFileSync(join(work, 'run/p.npy')).equals(readFileSync(join(work, 'ref/p.npy'))));
  },
);
