// The dashboard's pure browser modules (api/ui/static/js), run in Node: what the GPU map draws from the
// API's data, the queue depth kept from events, SSE parsing for fetch streams, and formatting.
import test from 'ava';

interface Cell {
  index: number;
  usedMilli: number;
  state: 'free' | 'partly' | 'used';
  jobs: { id: string; queue: string; share?: string; milli: number }[];
}
interface NodeCells {
  node: string;
  unschedulable: boolean;
  gpus: Cell[];
  freeGpus: number;
  strandedMilli: number;
}
interface ClusterModel {
  nodeCells(ce: unknown, running: unknown[]): NodeCells[];
  poolTotals(nodes: NodeCells[]): Record<string, number>;
}
interface DepthTracker {
  seed(job: unknown): void;
  event(event: unknown): void;
  counts(now?: number): Record<string, { waiting: number; running: number }>;
}
interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** The browser modules are plain JavaScript without declarations: loaded by URL, typed here. */
const load = <T>(file: string): Promise<T> =>
  import(new URL(`../../api/ui/static/js/${file}`, import.meta.url).href) as Promise<T>;

const cluster = await load<ClusterModel>('cluster-model.js');
const { DepthTracker } = await load<{ DepthTracker: new () => DepthTracker }>('depth-tracker.js');
const { SseParser } = await load<{ SseParser: new () => { push(chunk: string): SseEvent[] } }>('sse.js');
const format = await load<{
  duration(ms: number): string;
  finishEstimate(progress: unknown, startedAt?: number): number | undefined;
}>('format.js');
const { palette } = await load<{ palette(names: string[]): (name: string) => string }>('colors.js');

const runningJob = (
  id: string,
  queue: string,
  node: string,
  gpuIndices: number[],
  gpuMilliPerGpu = 1000,
) => ({
  id,
  spec: { name: id, queue, shareIdentifier: `${queue}-share` },
  attempts: [{ number: 1, startedAt: 1, placement: { node, gpuIndices, gpuMilliPerGpu } }],
});

test('each GPU cell carries the use the leader published and the running jobs placed on it', (t) => {
  const ce = {
    gpuUse: [
      { node: 'a', usedMilli: [1000, 1000, 750, 0] },
      { node: 'b', unschedulable: true, usedMilli: [0, 0] },
    ],
  };
  const jobs = [
    runningJob('train', 'training', 'a', [0, 1]),
    runningJob('embed', 'inference', 'a', [2], 500),
    runningJob('score', 'inference', 'a', [2], 250),
  ];

  const [a, b] = cluster.nodeCells(ce, jobs);

  t.deepEqual(
    a?.gpus.map((g) => [g.state, g.jobs.map((j) => j.id).join('+')]),
    [
      ['used', 'train'],
      ['used', 'train'],
      ['partly', 'embed+score'],
      ['free', ''],
    ],
  );
  t.is(a?.freeGpus, 1);
  t.is(a?.strandedMilli, 250, 'the free quarter of the shared GPU is stranded');
  t.true(b?.unschedulable);
  t.like(cluster.poolTotals([a!, b!]), {
    gpus: 6,
    used: 2,
    partly: 1,
    free: 3,
    allocated: 2.75,
    stranded: 0.25,
    largestFree: 1, // node b's two free GPUs take no new work
  });
});

test('a finished attempt no longer colours its GPUs', (t) => {
  const job = runningJob('done', 'training', 'a', [0]);
  (job.attempts[0] as { stoppedAt?: number }).stoppedAt = 5;
  const [a] = cluster.nodeCells({ gpuUse: [{ node: 'a', usedMilli: [0] }] }, [job]);
  t.deepEqual(a?.gpus[0]?.jobs, []);
});

test('queue depth follows status events after a seed, and an older event never undoes a newer one', (t) => {
  const tracker = new DepthTracker();
  tracker.seed({ id: 'j1', spec: { queue: 'q' }, status: 'RUNNABLE', events: [{ at: 10 }] });
  tracker.seed({ id: 'j2', spec: { queue: 'q' }, status: 'RUNNING', events: [{ at: 10 }] });
  tracker.event({ jobId: 'j3', queue: 'r', status: 'SUBMITTED', at: 11 });
  t.deepEqual(tracker.counts(20), { q: { waiting: 1, running: 1 }, r: { waiting: 1, running: 0 } });

  tracker.event({ jobId: 'j1', queue: 'q', status: 'STARTING', at: 12 });
  tracker.event({ jobId: 'j2', queue: 'q', status: 'SUCCEEDED', at: 13 });
  tracker.event({ jobId: 'j2', queue: 'q', status: 'RUNNING', at: 9 }); // late, older
  t.deepEqual(tracker.counts(20), { q: { waiting: 0, running: 1 }, r: { waiting: 1, running: 0 } });
});

test('SSE blocks split across chunks are parsed once complete; heartbeats are skipped', (t) => {
  const parser = new SseParser();
  t.deepEqual(parser.push(': ping\n\nid: 1-0\nevent: status\ndata: {"a"'), []);
  t.deepEqual(parser.push(':1}\n\n'), [{ id: '1-0', event: 'status', data: '{"a":1}' }]);
  t.deepEqual(parser.push('event: missed\r\ndata: x\r\n\r\n'), [{ event: 'missed', data: 'x' }]);
});

test('a running job finishes when its rate so far says; no estimate before any progress', (t) => {
  t.is(format.finishEstimate({ done: 250, total: 1000, at: 11_000 }, 1000), 41_000);
  t.is(format.finishEstimate({ done: 0, total: 1000, at: 11_000 }, 1000), undefined);
  t.is(format.duration(3_725_000), '1 h 2 min');
});

test('queues get distinct colours in name order, whatever order they are listed in', (t) => {
  const one = palette(['b', 'a', 'c']);
  const two = palette(['c', 'b', 'a']);
  t.deepEqual(['a', 'b', 'c'].map(one), ['a', 'b', 'c'].map(two));
  t.is(new Set(['a', 'b', 'c'].map(one)).size, 3);
});
