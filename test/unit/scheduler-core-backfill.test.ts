import test from 'ava';
import {
  describeReason,
  type PendingJob,
  type Reservation,
  type RunningJob,
  type ScheduleOptions,
  schedule,
} from '../../scheduler/core/index.ts';
import { cluster, gpuNode, gpuNodes, job, runningJob } from '../support/builders.ts';

/**
 * node-0: two 4-GPU jobs ending at 100 and 500; node-1: a 6-GPU job ending at 200 (2 GPUs free).
 * An 8-GPU job fits first on node-1, at 200.
 */
function busyCluster(now = 0) {
  const nodes = gpuNodes(2, { gpus: 8 });
  const running = [
    runningJob().id('a').on('node-0', [0, 1, 2, 3]).endsAt(100).build(),
    runningJob().id('b').on('node-0', [4, 5, 6, 7]).endsAt(500).build(),
    runningJob().id('c').on('node-1', [0, 1, 2, 3, 4, 5]).endsAt(200).build(),
  ];
  return cluster(nodes, running, now);
}

const big = () => job().id('big').submittedAt(0).gpus(8);

test('the head job that does not fit reserves the node that frees enough for it first', (t) => {
  const result = schedule(busyCluster(), [big().build()]);
  t.deepEqual(result.reservations, [{ jobId: 'big', nodes: ['node-1'], at: 200 }]);
  t.deepEqual(result.unschedulable, [
    { jobId: 'big', reason: { kind: 'InsufficientGpus', need: 8, largestFree: 2 } },
  ]);
});

test('a later job backfills a reserved node only if it ends before the reservation', (t) => {
  const result = schedule(busyCluster(), [
    big().build(),
    job().id('short').submittedAt(1).gpus(1).expectedDuration(150).build(),
    job().id('long').submittedAt(2).gpus(1).expectedDuration(250).build(),
    job().id('unknown').submittedAt(3).gpus(1).build(),
  ]);
  t.deepEqual(
    result.placements.map((p) => [p.jobId, p.node]),
    [['short', 'node-1']],
  );
  const reasons = Object.fromEntries(result.unschedulable.map((u) => [u.jobId, u.reason]));
  t.deepEqual(reasons['long'], { kind: 'NodesReserved', forJobId: 'big', at: 200 });
  t.deepEqual(reasons['unknown'], { kind: 'NodesReserved', forJobId: 'big', at: 200 });
  t.is(
    describeReason(reasons['long']!),
    'the nodes that could hold it are reserved for job big, and it is not expected to end before that job starts',
  );
});

test('backfill windows are measured from snapshot.now', (t) => {
  const result = schedule(busyCluster(120), [
    big().build(),
    job().id('short').submittedAt(1).gpus(1).expectedDuration(80).build(),
    job().id('too-long-now').submittedAt(2).gpus(1).expectedDuration(81).build(),
  ]);
  t.deepEqual(
    result.placements.map((p) => p.jobId),
    ['short'],
  );
});

test('jobs that fit on nodes nobody reserved are not held back', (t) => {
  const nodes = [...gpuNodes(2, { gpus: 8 }), gpuNode({ name: 'spare', gpus: 2 })];
  const running = [
    runningJob().id('a').on('node-0', [0, 1, 2, 3, 4, 5, 6, 7]).endsAt(100).build(),
    runningJob().id('c').on('node-1', [0, 1, 2, 3, 4, 5]).endsAt(200).build(),
  ];
  const result = schedule(cluster(nodes, running), [
    big().build(),
    job().id('no-duration').submittedAt(1).gpus(2).build(),
  ]);
  t.deepEqual(result.reservations, [{ jobId: 'big', nodes: ['node-0'], at: 100 }]);
  t.deepEqual(
    result.placements.map((p) => p.node),
    ['node-1'],
  );
});

test('only the first job that does not fit gets a reservation', (t) => {
  const result = schedule(busyCluster(), [big().build(), job().id('big-too').submittedAt(5).gpus(8).build()]);
  t.deepEqual(
    result.reservations?.map((r) => r.jobId),
    ['big'],
  );
});

test('with backfill off there are no reservations and smaller jobs take what is free', (t) => {
  const result = schedule(
    busyCluster(),
    [big().build(), job().id('unknown').submittedAt(3).gpus(2).build()],
    {
      backfill: false,
    },
  );
  t.deepEqual(result.reservations, []);
  t.deepEqual(
    result.placements.map((p) => p.jobId),
    ['unknown'],
  );
});

test('a job that would not fit even when everything running has ended gets no reservation', (t) => {
  const result = schedule(busyCluster(), [job().id('huge').cpu(1_000_000).build()]);
  t.deepEqual(result.reservations, []);
});

test('a gang head reserves all the nodes its members need', (t) => {
  const result = schedule(busyCluster(), [job().id('gang').gang(2).gpus(8).build()]);
  t.deepEqual(result.reservations, [{ jobId: 'gang', nodes: ['node-0', 'node-1'], at: 500 }]);
});

/** Virtual time: run cycles, start what is placed, jump to the next expected end; when did `id` start? */
function startTime(
  nodes: ReturnType<typeof gpuNodes>,
  initiallyRunning: RunningJob[],
  pending: PendingJob[],
  id: string,
  options: ScheduleOptions,
  maxCycles: number,
): { startedAt?: number; cycles: number } {
  let running = [...initiallyRunning];
  let waiting = [...pending];
  let now = 0;
  let reservations: Reservation[] = [];
  for (let cycle = 1; cycle <= maxCycles; cycle++) {
    const result = schedule(cluster(nodes, running, now), waiting, { ...options, reservations });
    reservations = result.reservations ?? [];
    const placed = new Set(result.placements.map((p) => p.jobId));
    if (placed.has(id)) return { startedAt: now, cycles: cycle };
    for (const pendingJob of waiting.filter((w) => placed.has(w.id))) {
      running.push({
        id: pendingJob.id,
        queue: pendingJob.queue,
        priority: pendingJob.priority,
        placements: result.placements.filter((p) => p.jobId === pendingJob.id),
        startedAt: now,
        expectedEndAt: now + pendingJob.expectedDurationMs!,
      });
    }
    waiting = waiting.filter((w) => !placed.has(w.id));
    now = Math.min(...running.map((r) => r.expectedEndAt));
    running = running.filter((r) => r.expectedEndAt > now);
  }
  return { cycles: maxCycles };
}

const HOUR = 3_600_000;

/** Four 8-GPU nodes, every GPU busy with a one-GPU job; they end at staggered times between 1 h and 10 h. */
function fullOfOneGpuJobs() {
  const nodes = gpuNodes(4, { gpus: 8 });
  const running = nodes.flatMap((node, n) =>
    Array.from({ length: 8 }, (_, gpu) =>
      runningJob()
        .id(`r-${n}-${gpu}`)
        .on(node.name, [gpu])
        .endsAt(HOUR + (((n * 8 + gpu) * 37 * HOUR) % (9 * HOUR)))
        .build(),
    ),
  );
  return { nodes, running, longestEnd: Math.max(...running.map((r) => r.expectedEndAt)) };
}

/** 10,000 one-GPU jobs of 0.5-3 h, submitted at `from`, `from + 1`, ... */
function oneGpuStream(from: number): PendingJob[] {
  const durations = [HOUR / 2, HOUR, 2 * HOUR, 3 * HOUR];
  return Array.from({ length: 10_000 }, (_, n) =>
    job()
      .id(`small-${n}`)
      .submittedAt(from + n)
      .gpus(1)
      .expectedDuration(durations[n % durations.length]!)
      .build(),
  );
}

test('a lone 8-GPU job ahead of 10,000 one-GPU jobs starts no later than the longest running job ends', (t) => {
  const { nodes, running, longestEnd } = fullOfOneGpuJobs();
  const pending = [job().id('big').submittedAt(0).gpus(8).expectedDuration(HOUR).build(), ...oneGpuStream(1)];

  const withBackfill = startTime(nodes, running, pending, 'big', {}, 1000);
  t.log(
    `big starts at ${(withBackfill.startedAt ?? Number.NaN) / HOUR} h after ${withBackfill.cycles} cycles; longest running ends at ${longestEnd / HOUR} h`,
  );
  t.not(withBackfill.startedAt, undefined);
  t.true(withBackfill.startedAt! <= longestEnd);

  // Without reservations the stream of small jobs keeps every node from ever having 8 GPUs free.
  const without = startTime(nodes, running, pending, 'big', { backfill: false }, 200);
  t.true(
    without.startedAt === undefined || without.startedAt > longestEnd,
    'the test should show starvation',
  );
});

test('a lone 8-GPU job submitted after 10,000 one-GPU jobs of its share also starts by the longest running end', (t) => {
  const { nodes, running, longestEnd } = fullOfOneGpuJobs();
  // Same share, same priority, FIFO puts all 10,000 small jobs ahead of it.
  const pending = [
    ...oneGpuStream(0),
    job().id('big').submittedAt(20_000).gpus(8).expectedDuration(HOUR).build(),
  ];

  const result = startTime(nodes, running, pending, 'big', {}, 1000);
  t.log(
    `big starts at ${(result.startedAt ?? Number.NaN) / HOUR} h after ${result.cycles} cycles; longest running ends at ${longestEnd / HOUR} h`,
  );
  t.not(result.startedAt, undefined);
  t.true(result.startedAt! <= longestEnd);
});

test('a job blocked before the cycle starts holds its nodes against the jobs ahead of it', (t) => {
  // node-1 has 2 GPUs free; the 8-GPU job, last in FIFO order, reserves node-1 (free at 200) first.
  const result = schedule(busyCluster(), [
    job().id('early-long').submittedAt(0).gpus(1).expectedDuration(500).build(),
    job().id('early-short').submittedAt(1).gpus(1).expectedDuration(100).build(),
    big().submittedAt(2).build(),
  ]);
  t.deepEqual(result.reservations?.[0], { jobId: 'big', nodes: ['node-1'], at: 200 });
  t.deepEqual(
    result.placements.map((p) => [p.jobId, p.node]),
    [['early-short', 'node-1']],
  );
  const reasons = Object.fromEntries(result.unschedulable.map((u) => [u.jobId, u.reason]));
  t.deepEqual(reasons['early-long'], { kind: 'NodesReserved', forJobId: 'big', at: 200 });
});

test('a blocked job of a lower queue priority does not hold back a higher queue', (t) => {
  const result = schedule(busyCluster(), [
    job().id('urgent').submittedAt(5).gpus(2).queuePriority(10).build(),
    big().submittedAt(0).build(),
  ]);
  t.deepEqual(
    result.placements.map((p) => [p.jobId, p.node]),
    [['urgent', 'node-1']],
  );
});

test('a kept reservation holds its nodes against smaller jobs ahead of its holder, not against equals', (t) => {
  // node-0 has one GPU free; `later` held a reservation in the previous cycle.
  const nodes = gpuNodes(1, { gpus: 2 });
  const running = [runningJob().id('busy').on('node-0', [0]).endsAt(1_000).build()];
  const kept = [{ jobId: 'later', nodes: ['node-0'], at: 0 }];
  const later = job().id('later').submittedAt(5).gpus(1).build();

  const equal = schedule(
    cluster(nodes, running),
    [job().id('earlier').submittedAt(0).gpus(1).build(), later],
    {
      reservations: kept,
    },
  );
  t.deepEqual(
    equal.placements.map((p) => p.jobId),
    ['earlier'],
  );

  const smaller = schedule(
    cluster(nodes, running),
    [job().id('earlier').submittedAt(0).gpuMilli(500).build(), later],
    { reservations: kept },
  );
  t.deepEqual(
    smaller.placements.map((p) => p.jobId),
    ['later'],
  );
});

test('a reservation made before the offers holds back only the smaller jobs of its own turn', (t) => {
  // big-lo reserves node-1 (blocked, with small-lo ahead of it in its turn). hi has a higher job priority
  // and comes first by right: it is not held back; small-lo is.
  const result = schedule(busyCluster(), [
    job().id('hi').priority(100).submittedAt(5).gpus(1).build(),
    job().id('small-lo').submittedAt(0).gpus(1).build(),
    big().id('big-lo').submittedAt(1).build(),
  ]);
  t.deepEqual(
    result.placements.map((p) => [p.jobId, p.node]),
    [['hi', 'node-1']],
  );
  const reasons = Object.fromEntries(result.unschedulable.map((u) => [u.jobId, u.reason]));
  t.deepEqual(reasons['small-lo'], { kind: 'NodesReserved', forJobId: 'big-lo', at: 200 });
});

test('nor the jobs of a share whose fair-share turn comes first', (t) => {
  const result = schedule(
    busyCluster(),
    [
      job().id('heavy-small').share('heavy').submittedAt(0).gpus(1).build(),
      big().id('heavy-big').share('heavy').submittedAt(1).build(),
      job().id('idle-small').share('idle').submittedAt(5).gpus(1).build(),
    ],
    { fairShare: { weights: {}, usage: { heavy: 1e6 } } },
  );
  t.deepEqual(
    result.placements.map((p) => [p.jobId, p.node]),
    [['idle-small', 'node-1']],
  );
  const reasons = Object.fromEntries(result.unschedulable.map((u) => [u.jobId, u.reason]));
  t.deepEqual(reasons['heavy-small'], { kind: 'NodesReserved', forJobId: 'heavy-big', at: 200 });
});
