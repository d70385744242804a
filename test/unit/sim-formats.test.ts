// Simulator file formats: nodes CSV/YAML and jobs CSV read into the core's types, write back to the same
// text, and bad input is named by file, line and column.
import test from 'ava';
import {
  FormatError,
  parseJobsCsv,
  parseNodes,
  parseNodesCsv,
  parseNodesYaml,
  writeJobsCsv,
  writeNodesCsv,
  writeNodesYaml,
} from '../../scheduler/sim/formats.ts';

const nodesCsv = `name,gpus,gpu_model,cpu_milli,memory_mib,pool,labels
a100-0,8,A100,96000,786432,train,zone=a;rack=r1
t4-0,2,T4,32000,131072,,zone=b
cpu-0,0,,64000,262144,cpu,
`;

test('a nodes CSV row becomes a node with that many free GPUs of its model, pool as a label', (t) => {
  const [a100, t4, cpu] = parseNodesCsv(nodesCsv, 'nodes.csv');

  t.deepEqual(a100, {
    name: 'a100-0',
    labels: { zone: 'a', rack: 'r1', pool: 'train' },
    gpus: Array.from({ length: 8 }, (_, index) => ({ index, model: 'A100', freeMilli: 1000 })),
    cpuMilliTotal: 96000,
    cpuMilliFree: 96000,
    memoryMiBTotal: 786432,
    memoryMiBFree: 786432,
  });
  t.deepEqual(t4?.labels, { zone: 'b' });
  t.deepEqual(cpu?.gpus, []);
  t.deepEqual(cpu?.labels, { pool: 'cpu' });
});

test('columns are found by name, in any order, and the optional ones may be left out', (t) => {
  const [node] = parseNodesCsv('memory_mib,name,cpu_milli,gpu_model,gpus\n1024,n1,2000,L4,1\n', 'n.csv');

  t.like(node, { name: 'n1', cpuMilliTotal: 2000, memoryMiBTotal: 1024, labels: {} });
  t.is(node?.gpus.length, 1);
});

test('nodes CSV written from parsed nodes is the same text', (t) => {
  t.is(writeNodesCsv(parseNodesCsv(nodesCsv, 'nodes.csv')), nodesCsv);
});

test('nodes YAML holds the same fields, labels as a map or as k=v text, and round-trips', (t) => {
  const yaml = `
- name: a100-0
  gpus: 8
  gpu_model: A100
  cpu_milli: 96000
  memory_mib: 786432
  pool: train
  labels: { zone: a, rack: r1 }
- { name: t4-0, gpus: 2, gpu_model: T4, cpu_milli: 32000, memory_mib: 131072, labels: "zone=b" }
- { name: cpu-0, gpus: 0, cpu_milli: 64000, memory_mib: 262144, pool: cpu }
`;
  const fromYaml = parseNodesYaml(yaml, 'nodes.yaml');

  t.deepEqual(fromYaml, parseNodesCsv(nodesCsv, 'nodes.csv'));
  t.deepEqual(parseNodesYaml(writeNodesYaml(fromYaml), 'again.yaml'), fromYaml);
  t.deepEqual(parseNodes(yaml, 'cluster.yml'), fromYaml, 'chosen by the extension');
});

const jobsCsv = `id,submit_time,duration,num_gpu,gpu_milli,gpu_model,cpu_milli,memory_mib,queue,share,priority,nodes
j1,0,3600,2,0,A100|H100,8000,65536,train,team-a,5,
j2,1.5,,0,250,,2000,8192,,team-b,,
j3,10,60,0,0,,1000,1024,batch,,-1,4
`;

test('a jobs CSV row becomes a trace job; models split on "|", empty duration never ends', (t) => {
  const [j1, j2, j3] = parseJobsCsv(jobsCsv, 'jobs.csv');

  t.deepEqual(j1, {
    id: 'j1',
    submitTime: 0,
    duration: 3600,
    numGpu: 2,
    gpuMilli: 0,
    gpuModel: ['A100', 'H100'],
    cpuMilli: 8000,
    memoryMiB: 65536,
    queue: 'train',
    share: 'team-a',
    priority: 5,
  });
  t.deepEqual(j2, {
    id: 'j2',
    submitTime: 1.5,
    numGpu: 0,
    gpuMilli: 250,
    gpuModel: [],
    cpuMilli: 2000,
    memoryMiB: 8192,
    share: 'team-b',
  });
  t.like(j3, { queue: 'batch', priority: -1, nodes: 4, numGpu: 0, gpuMilli: 0 });
});

test('jobs CSV written from parsed jobs is the same text', (t) => {
  t.is(writeJobsCsv(parseJobsCsv(jobsCsv, 'jobs.csv')), jobsCsv);
});

test('optional job columns nobody uses are not written', (t) => {
  const text = writeJobsCsv([
    { id: 'x', submitTime: 0, duration: 5, numGpu: 1, gpuMilli: 0, gpuModel: [], cpuMilli: 1, memoryMiB: 1 },
  ]);

  t.is(text, 'id,submit_time,duration,num_gpu,gpu_milli,gpu_model,cpu_milli,memory_mib\nx,0,5,1,0,,1,1\n');
});

test("Alibaba traces' GPU spelling reads as the same requests: 1,250 is a quarter GPU, 2,1000 two GPUs", (t) => {
  const header = 'id,submit_time,duration,num_gpu,gpu_milli,gpu_model,cpu_milli,memory_mib\n';
  const [share, whole] = parseJobsCsv(`${header}a,0,1,1,250,,0,0\nb,0,1,2,1000,,0,0\n`, 'openb.csv');

  t.like(share, { numGpu: 0, gpuMilli: 250 });
  t.like(whole, { numGpu: 2, gpuMilli: 0 });
});

test('quoted CSV fields may hold commas and quotes; CRLF line ends and blank lines are fine', (t) => {
  const text =
    'id,submit_time,duration,num_gpu,gpu_milli,gpu_model,cpu_milli,memory_mib\r\n\r\n"a,""b""",0,1,0,0,,0,0\r\n';
  const [job] = parseJobsCsv(text, 'jobs.csv');

  t.is(job?.id, 'a,"b"');
  t.deepEqual(parseJobsCsv(writeJobsCsv([job!]), 'again.csv'), [job!]);
});

const header = 'id,submit_time,duration,num_gpu,gpu_milli,gpu_model,cpu_milli,memory_mib';
const badJobs = [
  { row: 'j1,0,10,two,0,,0,0', message: 'jobs.csv:2: num_gpu: expected a whole number, got "two"' },
  { row: 'j1,-3,10,1,0,,0,0', message: 'jobs.csv:2: submit_time: must be >= 0 seconds, got -3' },
  { row: 'j1,0,1e3,1,0,,0,0', message: 'jobs.csv:2: duration: expected a number of seconds, got "1e3"' },
  { row: 'j1,0,10,0,1500,,0,0', message: 'jobs.csv:2: gpu_milli: must be 0..1000, got 1500' },
  {
    row: 'j1,0,10,2,500,,0,0',
    message: 'jobs.csv:2: gpu_milli: a share of a GPU (500) is for one GPU, but num_gpu is 2',
  },
  { row: ',0,10,1,0,,0,0', message: 'jobs.csv:2: id: is required' },
  { row: 'j1,0,10,1,0,,0', message: 'jobs.csv:2: has 7 fields; the header has 8' },
  { row: 'j1,0,10,1,0,A100||T4,0,0', message: 'jobs.csv:2: gpu_model: has an empty model between "|"' },
];

for (const { row, message } of badJobs) {
  test(`bad job row "${row}" is named: ${message}`, (t) => {
    const error = t.throws(() => parseJobsCsv(`${header}\n${row}\n`, 'jobs.csv'), {
      instanceOf: FormatError,
    });

    t.is(error?.message, message);
  });
}

test('a duplicate job id names both lines', (t) => {
  const error = t.throws(() => parseJobsCsv(`${header}\nj1,0,1,0,0,,0,0\n\nj1,0,1,0,0,,0,0\n`, 'jobs.csv'));

  t.is(error?.message, 'jobs.csv:4: id: job "j1" is also on line 2');
});

test('header problems are named: missing, unknown and repeated columns, an empty file', (t) => {
  t.is(
    t.throws(() => parseJobsCsv('id,submit_time\n', 'jobs.csv'))?.message,
    'jobs.csv:1: missing column(s): duration, num_gpu, gpu_milli, gpu_model, cpu_milli, memory_mib',
  );
  t.regex(
    t.throws(() => parseNodesCsv('name,gpus,gpu_model,cpu_milli,memory_mib,zone\n', 'n.csv'))?.message ?? '',
    /^n\.csv:1: unknown column "zone"; known: name, gpus, gpu_model, cpu_milli, memory_mib, pool, labels$/,
  );
  t.is(
    t.throws(() => parseNodesCsv('name,name\n', 'n.csv'))?.message,
    'n.csv:1: column "name" appears twice',
  );
  t.is(
    t.throws(() => parseJobsCsv('', 'jobs.csv'))?.message,
    'jobs.csv:1: is empty; the first line must name the columns',
  );
});

test('bad node rows are named by file, line and column', (t) => {
  const head = 'name,gpus,gpu_model,cpu_milli,memory_mib,labels\n';
  const message = (row: string) => t.throws(() => parseNodesCsv(`${head}${row}\n`, 'n.csv'))?.message;

  t.is(message('n1,4,,1000,1000,'), 'n.csv:2: gpu_model: is required');
  t.is(
    message('n1,4,A100,1000,1000,zone'),
    'n.csv:2: labels: expected key=value pairs joined by ";", got "zone"',
  );
  t.is(message('n1,2.5,A100,1000,1000,'), 'n.csv:2: gpus: expected a whole number, got "2.5"');
  t.is(
    t.throws(() => parseNodesCsv(`${head}n1,1,A,1,1,\nn1,1,A,1,1,\n`, 'n.csv'))?.message,
    'n.csv:3: name: node "n1" is also on line 2',
  );
});

test('bad node YAML is named by line and field', (t) => {
  const message = (yaml: string) => t.throws(() => parseNodesYaml(yaml, 'c.yaml'))?.message;

  t.is(
    message('- name: n1\n  gpus: many\n  gpu_model: A\n  cpu_milli: 1\n  memory_mib: 1\n'),
    'c.yaml:2: gpus: expected a whole number, got "many"',
  );
  t.is(
    message('- name: n1\n  gpus: 1\n  gpu_model: A\n  cpu_milli: 1\n'),
    'c.yaml:1: memory_mib: is required',
  );
  t.is(
    message('- name: n1\n  zone: a\n'),
    'c.yaml:2: zone: unknown field; known: name, gpus, gpu_model, cpu_milli, memory_mib, pool, labels',
  );
  t.is(message('name: n1\n'), 'c.yaml:1: must be a list of nodes');
  t.regex(message('- name: [\n') ?? '', /^c\.yaml:\d+: invalid YAML: /);
});
