// Queue-mode replay: arrivals and departures on virtual time through the production schedule(), with
// capacity taken at start and given back at completion.
import test from 'ava';
import type { NodeState } from '../../scheduler/core/types.ts';
import { replayQueue } from '../../scheduler/sim/replay.ts';
import type { TraceJob } from '../../scheduler/sim/trace.ts';

function node(name: string, gpus: number, model = 'A100'): NodeState {
  return {
    name,
    labels: {},
    gpus: Array.from({ length: gpus }, (_, index) => ({ index, model, freeMilli: 1000 })),
    cpuMilliTotal: 64000,
    cpuMilliFree: 64000,
    memoryMiBTotal: 262144,
    memoryMiBFree: 262144,
  };
}

function job(
  id: string,
  submitTime: number,
  duration: number | undefined,
  gpus: number,
  more: Partial<TraceJob> = {},
) {
  const traceJob: TraceJob = {
    id,
    submitTime,
    numGpu: gpus,
    gpuMilli: 0,
    gpuModel: [],
    cpuMilli: 1000,
    memoryMiB: 1024,
    ...more,
  };
  if (duration !== undefined) traceJob.duration = duration;
  return traceJob;
}

const policy = { policy: 'best-fit' };

test('a job that does not fit waits until a completion frees capacity, then runs its duration', (t) => {
  const result = replayQueue([node('n1', 2)], [job('big', 0, 100, 2), job('small', 10, 50, 1)], policy);

  t.like(result.jobs[0], { id: 'big', startTime: 0, endTime: 100 });
  t.like(result.jobs[1], { id: 'small', startTime: 100, endTime: 150 });
  t.is(result.endTime, 150);
  t.is(result.stoppedBy, 'finished');
  t.deepEqual(result.allocation, [
    { time: 0, allocatedGpus: 2 },
    { time: 10, allocatedGpus: 2 },
    { time: 100, allocatedGpus: 1 },
    { time: 150, allocatedGpus: 0 },
  ]);
});

test('each run is recorded with its GPUs, share and how it ended', (t) => {
  const result = replayQueue(
    [node('n1', 4)],
    [job('a', 0, 30, 3, { share: 'team-a', queue: 'train' })],
    policy,
  );

  t.deepEqual(result.runs, [
    { jobId: 'a', queue: 'train', share: 'team-a', start: 0, end: 30, gpus: 3, outcome: 'completed' },
  ]);
});

test('GPU shares of one GPU are packed by the core: four quarter-GPU jobs use one GPU', (t) => {
  const quarters = ['q1', 'q2', 'q3', 'q4'].map((id) => job(id, 0, 10, 0, { gpuMilli: 250 }));

  const result = replayQueue([node('n1', 2)], quarters, policy);

  t.deepEqual(result.allocation[0], { time: 0, allocatedGpus: 1 });
  t.true(result.jobs.every((outcome) => outcome.startTime === 0));
});

test('a gang starts all its members at once, on several nodes', (t) => {
  const result = replayQueue([node('n1', 1), node('n2', 1)], [job('gang', 0, 60, 1, { nodes: 2 })], policy);

  t.like(result.jobs[0], { startTime: 0, endTime: 60, gpus: 2 });
  t.is(result.runs[0]?.gpus, 2);
});

test('a job with no duration never ends: the replay stops once the finite jobs are done', (t) => {
  const result = replayQueue(
    [node('n1', 2)],
    [job('service', 0, undefined, 1), job('batch', 5, 20, 1)],
    policy,
  );

  t.is(result.stoppedBy, 'finished');
  t.is(result.endTime, 25);
  t.like(result.jobs[0], { startTime: 0, endTime: undefined });
  t.deepEqual(result.runs.at(-1), {
    jobId: 'service',
    queue: 'default',
    share: '',
    start: 0,
    end: 25,
    gpus: 1,
    outcome: 'running',
  });
});

test('jobs stuck behind work that never ends are reported as stalled, never started', (t) => {
  const result = replayQueue(
    [node('n1', 1)],
    [job('forever', 0, undefined, 1), job('stuck', 1, 10, 1)],
    policy,
  );

  t.is(result.stoppedBy, 'stalled');
  t.is(result.jobs[1]?.startTime, undefined);
});

test('a horizon stops the replay there; runs still going end at the horizon', (t) => {
  const result = replayQueue([node('n1', 1)], [job('long', 0, 1000, 1), job('later', 2000, 10, 1)], {
    ...policy,
    horizonSeconds: 300,
  });

  t.is(result.stoppedBy, 'horizon');
  t.is(result.endTime, 300);
  t.like(result.runs[0], { start: 0, end: 300, outcome: 'running' });
  t.is(result.jobs[1]?.startTime, undefined);
});

test('arrivals are replayed in submit-time order whatever the trace order; ties keep trace order', (t) => {
  const trace = [job('third', 20, 10, 1), job('first', 0, 10, 1), job('second', 0, 10, 1)];

  const result = replayQueue([node('n1', 1)], trace, policy);

  t.deepEqual(
    result.jobs.map(({ id, startTime }) => [id, startTime]),
    [
      ['third', 20],
      ['first', 0],
      ['second', 10],
    ],
  );
});

test('the replay is deterministic and leaves its inputs unchanged', (t) => {
  const cluster = [node('n1', 4), node('n2', 2, 'T4')];
  const trace = Array.from({ length: 40 }, (_, i) =>
    job(`j${i}`, i * 3, 20 + (i % 7) * 5, 1 + (i % 2), { gpuModel: i % 5 === 0 ? ['T4'] : [] }),
  );
  const before = structuredClone({ cluster, trace });

  const first = replayQueue(cluster, trace, policy);
  const second = replayQueue(cluster, trace, policy);

  t.deepEqual(first, second);
  t.deepEqual({ cluster, trace }, before);
  t.is(first.stoppedBy, 'finished');
});

test('an unknown policy is refused by the core', (t) => {
  t.throws(() => replayQueue([node('n1', 1)], [job('a', 0, 1, 1)], { policy: 'no-such-policy' }), {
    message: /unknown scorer "no-such-policy"/,
  });
});

test('a preemption sends the victim back to pending; it starts over once capacity frees', (t) => {
  const trace = [
    job('batch', 0, 100, 2, { queue: 'batch' }),
    job('urgent', 10, 30, 2, { queue: 'urgent', priority: 10 }),
  ];

  const result = replayQueue([node('n1', 2)], trace, {
    ...policy,
    queues: { batch: { preemptible: true }, urgent: { canPreempt: true } },
  });

  t.is(result.preemptions, 1);
  t.like(result.jobs[0], { id: 'batch', startTime: 0, preemptions: 1, endTime: 140 }); // restarts at 40, runs 100
  t.like(result.jobs[1], { id: 'urgent', startTime: 10, endTime: 40 });
  t.deepEqual(
    result.runs.map(({ jobId, start, end, outcome }) => [jobId, start, end, outcome]),
    [
      ['batch', 0, 10, 'preempted'],
      ['urgent', 10, 40, 'completed'],
      ['batch', 40, 140, 'completed'],
    ],
  );
});

test('without opting in, nothing is preempted: the urgent job waits', (t) => {
  const trace = [job('batch', 0, 100, 2), job('urgent', 10, 30, 2, { priority: 10 })];

  const result = replayQueue([node('n1', 2)], trace, policy);

  t.is(result.preemptions, 0);
  t.like(result.jobs[1], { startTime: 100 });
});

test('fair share: with weights 1:3, a saturated GPU goes three times as often to the heavier share', (t) => {
  // Both shares queue 40 one-GPU jobs of 60 s at once on a 1-GPU node: 40 minutes of demand each.
  const trace = ['light', 'heavy'].flatMap((share) =>
    Array.from({ length: 40 }, (_, i) => job(`${share}-${String(i).padStart(2, '0')}`, 0, 60, 1, { share })),
  );

  const result = replayQueue([node('n1', 1)], trace, {
    ...policy,
    shareWeights: { heavy: 3 },
    horizonSeconds: 40 * 60,
  });

  const served = (share: string) =>
    result.runs.filter((run) => run.share === share && run.outcome === 'completed');
  t.is(served('light').length + served('heavy').length, 40);
  t.true(Math.abs(served('heavy').length - 30) <= 2, `heavy got ${served('heavy').length} of 40`);
});

// One GPU; `a` holds it until 100. b, c, d (priority 0) then e (priority 5) arrive while it runs.
const windowTrace = [
  job('a', 0, 100, 1),
  job('b', 1, 100, 1),
  job('c', 2, 100, 1),
  job('d', 3, 100, 1),
  job('e', 4, 100, 1, { priority: 5 }),
];
const startOf = (result: ReturnType<typeof replayQueue>) =>
  Object.fromEntries(result.jobs.map((j) => [j.id, j.startTime]));

test('the look-ahead window offers the core only the first jobs per queue, as BullMQ delivers them', (t) => {
  // Window 2: b and c are in it when e arrives; e enters it (ahead of d, by priority) when b starts.
  const windowed = replayQueue([node('n1', 1)], windowTrace, { ...policy, windowPerQueue: 2 });
  t.deepEqual(startOf(windowed), { a: 0, b: 100, e: 200, c: 300, d: 400 });
  t.is(windowed.stoppedBy, 'finished');

  // No window: the core sees e at 100 and runs it first.
  const unlimited = replayQueue([node('n1', 1)], windowTrace, { ...policy, windowPerQueue: 0 });
  t.deepEqual(startOf(unlimited), { a: 0, e: 100, b: 200, c: 300, d: 400 });
});

test('jobs entering the window because others started are placed at the same instant', (t) => {
  // Ten one-GPU jobs at t = 0 on 8 GPUs with a window of 3: eight start at once, over several cycles.
  const trace = Array.from({ length: 10 }, (_, i) => job(`j${i}`, 0, 50, 1));
  const result = replayQueue([node('n1', 8)], trace, { ...policy, windowPerQueue: 3 });
  const starts = startOf(result);
  t.is(Object.values(starts).filter((s) => s === 0).length, 8);
  t.is(starts.j8, 50);
  t.is(starts.j9, 50);
  t.is(result.stoppedBy, 'finished');
});

test('windowPerQueue must be a whole number >= 0', (t) => {
  t.throws(() => replayQueue([node('n1', 1)], windowTrace, { ...policy, windowPerQueue: -1 }), {
    message: /windowPerQueue/,
  });
});
