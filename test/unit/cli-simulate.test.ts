// gpubatch simulate, gen-trace and gen-cluster: local commands (no server) whose output is the same bytes
// for the same inputs and seed, and whose bad input is named by file and line with exit 2.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { scorerNames } from '../../scheduler/core/scorers/registry.ts';
import { parseJobsCsv, parseNodesCsv } from '../../scheduler/sim/formats.ts';
import { gpubatch } from '../support/cli-harness.ts';

const nodesCsv = `name,gpus,gpu_model,cpu_milli,memory_mib
n1,4,A100,64000,262144
n2,2,T4,32000,131072
`;

const jobsCsv = `id,submit_time,duration,num_gpu,gpu_milli,gpu_model,cpu_milli,memory_mib,share
a1,0,600,2,0,,4000,8192,a
a2,0,600,2,0,,4000,8192,a
b1,10,300,1,0,T4,2000,4096,b
b2,20,300,0,500,,1000,2048,b
b3,30,,0,250,,1000,2048,b
`;

async function workspace(t: ExecutionContext, files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gpubatch-sim-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

const simulate = (cwd: string, ...more: string[]) =>
  gpubatch(['simulate', '--cluster', 'nodes.csv', '--trace', 'jobs.csv', ...more], { cwd });

test('gen-cluster writes a nodes CSV, the same bytes for the same seed, other bytes for another', async (t) => {
  const cwd = await workspace(t);

  const first = await gpubatch(['gen-cluster', '--nodes', '12', '--seed', '7'], { cwd });
  const again = await gpubatch(['gen-cluster', '--nodes', '12', '--seed', '7', '--out', 'nodes.csv'], {
    cwd,
  });
  const other = await gpubatch(['gen-cluster', '--nodes', '12', '--seed', '8'], { cwd });

  t.is(first.code, 0);
  t.is(parseNodesCsv(first.stdout, 'stdout').length, 12);
  t.is(await readFile(join(cwd, 'nodes.csv'), 'utf8'), first.stdout);
  t.is(again.stdout, '', '--out writes the file, not stdout');
  t.not(other.stdout, first.stdout);
});

test('gen-trace writes a jobs CSV with the asked mix, the same bytes for the same seed', async (t) => {
  const cwd = await workspace(t);
  const argv = ['gen-trace', '--jobs', '400', '--seed', '3', '--fractional', '0.5', '--cpu-only', '0.1'];

  const first = await gpubatch(argv, { cwd });
  const again = await gpubatch(argv, { cwd });

  t.is(first.code, 0);
  t.is(again.stdout, first.stdout);
  const jobs = parseJobsCsv(first.stdout, 'stdout');
  t.is(jobs.length, 400);
  const fractional = jobs.filter((job) => job.gpuMilli > 0).length / jobs.length;
  t.true(fractional > 0.4 && fractional < 0.6, `fractional share ${fractional}`);
});

test('gen-trace refuses fractions that add up to more than 1', async (t) => {
  const run = await gpubatch([
    'gen-trace',
    '--jobs',
    '5',
    '--seed',
    '1',
    '--fractional',
    '0.7',
    '--multi-gpu',
    '0.5',
  ]);

  t.is(run.code, 2);
  t.regex(run.stderr, /^gpubatch gen-trace: --fractional \+ --multi-gpu \+ --cpu-only must not exceed 1/);
});

test('simulate (queue mode) prints makespan, waits, GPU-hours per share and fairness', async (t) => {
  const cwd = await workspace(t, { 'nodes.csv': nodesCsv, 'jobs.csv': jobsCsv });

  const run = await simulate(cwd, '--policy', 'best-fit', '--share-weights', 'a=1,b=2');

  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, /^policy best-fit: 5 jobs on 6 GPUs; all jobs that can end have ended$/m);
  // best-fit fills the 2-GPU T4 node with a1, so b1 (T4 only) waits for it: 600 s + b1's 300 s.
  t.regex(run.stdout, /^makespan 15m 00s, mean GPU allocation/m);
  t.regex(run.stdout, /^b +3 +3 +0ms +9m 50s$/m);
  // a: two 2-GPU jobs of 600 s = 0.67 GPU-hours.
  t.regex(run.stdout, /^SHARE +GPU-HOURS +WEIGHT\na +0\.7 +1\nb +0\.2 +2$/m);
  t.regex(run.stdout, /^Jain's fairness index \(GPU-hours \/ weight\): \d\.\d{4}$/m);
});

test('simulate --json (queue mode) prints the metrics, the same bytes every run', async (t) => {
  const cwd = await workspace(t, { 'nodes.csv': nodesCsv, 'jobs.csv': jobsCsv });

  const first = await simulate(cwd, '--policy', 'best-fit', '--json');
  const again = await simulate(cwd, '--policy', 'best-fit', '--json');

  t.is(first.stdout, again.stdout);
  const metrics = JSON.parse(first.stdout);
  t.like(metrics, { policy: 'best-fit', jobs: 5, completed: 4, makespan: 900, stoppedBy: 'finished' });
  t.deepEqual(Object.keys(metrics.waitByShare), ['a', 'b']);
  t.is(metrics.allocationOverTime.length, 100);
});

test('simulate --mode online-drop --json prints the curve at each arrived percent, the same bytes every run', async (t) => {
  const cwd = await workspace(t, { 'nodes.csv': nodesCsv, 'jobs.csv': jobsCsv });
  const argv = ['--policy', 'best-fit', '--mode', 'online-drop', '--inflate', '1.5', '--seed', '4', '--json'];

  const first = await simulate(cwd, ...argv);
  const again = await simulate(cwd, ...argv);

  t.is(first.code, 0, first.stderr);
  t.is(first.stdout, again.stdout);
  t.true(first.stdout.startsWith('{\n  "curve": [\n'));
  const result = JSON.parse(first.stdout);
  t.deepEqual(
    result.curve.map((point: { arrivedPct: number }) => point.arrivedPct),
    Array.from({ length: 150 }, (_, i) => i + 1),
  );
  t.deepEqual(Object.keys(result.curve[0]), ['arrivedPct', 'allocatedPct', 'fragmentationPct']);
  t.like(result, { policy: 'best-fit', seed: 4, inflate: 1.5 });
});

test('several policies give one result each, and --plot draws one SVG with all of them', async (t) => {
  const cwd = await workspace(t, { 'nodes.csv': nodesCsv, 'jobs.csv': jobsCsv });
  const argv = ['--policy', 'best-fit,spread', '--mode', 'online-drop', '--json', '--plot', 'drop.svg'];

  const run = await simulate(cwd, ...argv);
  const svg = await readFile(join(cwd, 'drop.svg'), 'utf8');
  await simulate(cwd, ...argv.slice(0, -1), 'drop-again.svg');

  t.is(run.code, 0, run.stderr);
  t.deepEqual(
    JSON.parse(run.stdout).map((result: { policy: string }) => result.policy),
    ['best-fit', 'spread'],
  );
  t.is(run.stderr, 'plot: drop.svg\n');
  t.true(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  t.regex(svg, />spread</);
  t.is(await readFile(join(cwd, 'drop-again.svg'), 'utf8'), svg);
});

test('an unknown policy is named with the known ones, exit 2', async (t) => {
  const cwd = await workspace(t, { 'nodes.csv': nodesCsv, 'jobs.csv': jobsCsv });

  const run = await simulate(cwd, '--policy', 'best-fit,tetris');

  t.is(run.code, 2);
  t.is(
    run.stderr,
    `gpubatch: simulate: --policy: unknown policy "tetris"; known: ${scorerNames().join(', ')}\n`,
  );
});

test('a bad cell is named by file, line and column, exit 2', async (t) => {
  const cwd = await workspace(t, {
    'nodes.csv': nodesCsv.replace('n2,2,T4', 'n2,two,T4'),
    'jobs.csv': jobsCsv,
  });

  const run = await simulate(cwd, '--policy', 'best-fit');

  t.is(run.code, 2);
  t.is(run.stderr, 'gpubatch: nodes.csv:3: gpus: expected a whole number, got "two"\n');
});

test('a missing file and a missing option are usage errors, exit 2', async (t) => {
  const cwd = await workspace(t, { 'nodes.csv': nodesCsv });

  const noFile = await simulate(cwd, '--policy', 'best-fit');
  const noPolicy = await simulate(cwd);
  const badMode = await simulate(cwd, '--policy', 'best-fit', '--mode', 'offline');

  t.is(noFile.code, 2);
  t.is(noFile.stderr, 'gpubatch: cannot read jobs.csv: no such file\n');
  t.is(noPolicy.code, 2);
  t.true(noPolicy.stderr.startsWith('gpubatch simulate: missing --policy\n\nUsage: gpubatch simulate'));
  t.true(
    badMode.stderr.startsWith('gpubatch simulate: --mode: expected queue or online-drop, got "offline"'),
  );
});

test('the usage lists the simulator commands', async (t) => {
  const run = await gpubatch(['--help']);

  for (const command of ['simulate', 'gen-trace', 'gen-cluster'])
    t.regex(run.stdout, new RegExp(`gpubatch ${command} `));
});

// Both nodes busy with batch jobs; an urgent job arrives at t = 10.
const queueJobsCsv = `id,submit_time,duration,num_gpu,gpu_milli,gpu_model,cpu_milli,memory_mib,queue
b1,0,1000,4,0,,4000,8192,batch
b2,0,1000,2,0,,4000,8192,batch
u1,10,100,2,0,,4000,8192,urgent
`;

const queuesYaml = `# the service config's shape
queues:
  - name: urgent
    priority: 10
    canPreempt: true
  - name: batch
    preemptible: true
fairShare:
  halfLifeSeconds: 600
windowPerQueue: 64
`;

test('--queues: a higher-priority queue that can preempt takes GPUs from a preemptible one', async (t) => {
  const cwd = await workspace(t, {
    'nodes.csv': nodesCsv,
    'jobs.csv': queueJobsCsv,
    'queues.yaml': queuesYaml,
  });

  const withQueues = await simulate(cwd, '--policy', 'best-fit', '--json', '--queues', 'queues.yaml');
  const without = await simulate(cwd, '--policy', 'best-fit', '--json');

  t.is(withQueues.code, 0, withQueues.stderr);
  const preempting = JSON.parse(withQueues.stdout);
  t.is(preempting.preemptions, 1);
  t.like(preempting.waitByQueue.urgent, { jobs: 1, started: 1, p50: 0 });
  const waiting = JSON.parse(without.stdout);
  t.is(waiting.preemptions, 0);
  t.like(waiting.waitByQueue.urgent, { started: 1, p50: 990 });
});

test('--queues: a bad file exits 2 naming the file, the line and the field', async (t) => {
  const cwd = await workspace(t, {
    'nodes.csv': nodesCsv,
    'jobs.csv': queueJobsCsv,
    'queues.yaml': 'queues:\n  - name: urgent\n    priority: high\n',
    'typo.yaml': 'fairShare:\n  halfLife: 60\n',
  });

  const bad = await simulate(cwd, '--policy', 'best-fit', '--queues', 'queues.yaml');
  const typo = await simulate(cwd, '--policy', 'best-fit', '--queues', 'typo.yaml');
  const missing = await simulate(cwd, '--policy', 'best-fit', '--queues', 'nope.yaml');

  t.is(bad.code, 2);
  t.regex(bad.stderr, /queues\.yaml:3: queues\.0\.priority: /);
  t.is(typo.code, 2);
  t.regex(typo.stderr, /typo\.yaml:2: fairShare: .*halfLife/);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /cannot read nope\.yaml/);
});

test('--window: 0 offers every pending job; a bad value is a usage error', async (t) => {
  const cwd = await workspace(t, { 'nodes.csv': nodesCsv, 'jobs.csv': jobsCsv });

  const unlimited = await simulate(cwd, '--policy', 'best-fit', '--json', '--window', '0');
  const one = await simulate(cwd, '--policy', 'best-fit', '--json', '--window', '1');
  const bad = await simulate(cwd, '--policy', 'best-fit', '--window', '1.5');

  t.is(unlimited.code, 0, unlimited.stderr);
  t.is(one.code, 0, one.stderr);
  t.is(JSON.parse(one.stdout).jobs, 5);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--window: expected a whole number >= 0/);
});

test('--queues: fairShare weights come from the file unless --share-weights is given', async (t) => {
  const cwd = await workspace(t, {
    'nodes.csv': nodesCsv,
    'jobs.csv': jobsCsv,
    'queues.yaml': 'fairShare:\n  weights: { a: 4 }\n',
  });

  const none = JSON.parse((await simulate(cwd, '--policy', 'best-fit', '--json')).stdout);
  const file = JSON.parse(
    (await simulate(cwd, '--policy', 'best-fit', '--json', '--queues', 'queues.yaml')).stdout,
  );
  const flag = JSON.parse(
    (
      await simulate(
        cwd,
        '--policy',
        'best-fit',
        '--json',
        '--queues',
        'queues.yaml',
        '--share-weights',
        'a=1',
      )
    ).stdout,
  );

  t.not(file.jainIndex, none.jainIndex);
  t.is(flag.jainIndex, none.jainIndex);
});

test("--queues: a queue's fairSharePolicy is simulated as the service applies it", async (t) => {
  const cwd = await workspace(t, {
    'nodes.csv': nodesCsv,
    'jobs.csv': jobsCsv,
    'neutral.yaml': 'queues:\n  - { name: default, fairSharePolicy: { computeReservation: 0 } }\n',
    'reserved.yaml': 'queues:\n  - { name: default, fairSharePolicy: { computeReservation: 50 } }\n',
  });
  const run = async (...extra: string[]) =>
    JSON.parse((await simulate(cwd, '--policy', 'best-fit', '--json', ...extra)).stdout);
  const none = await run();
  t.deepEqual(await run('--queues', 'neutral.yaml'), none, 'equal weights and no reservation change nothing');
  t.notDeepEqual(
    await run('--queues', 'reserved.yaml'),
    none,
    'half the capacity is kept back while one share runs',
  );
});
