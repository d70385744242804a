import test from 'ava';
import { describeReason, fewestVictims, outranks, schedule } from '../../scheduler/core/index.ts';
import { cluster, gpuNode, gpuNodes, job, runningJob } from '../support/builders.ts';

const urgent = () => job().id('urgent').priority(10).canPreempt();

function victimsOf(result: ReturnType<typeof schedule>): string[] {
  return (result.preemptions ?? []).map((p) => p.jobId);
}

test('a job that may preempt stops the youngest lower-priority job whose room it needs', (t) => {
  const running = [
    runningJob().id('old').on('n', [0, 1, 2, 3]).startedAt(10).preemptible().build(),
    runningJob().id('young').on('n', [4, 5, 6, 7]).startedAt(50).preemptible().build(),
  ];
  const result = schedule(cluster([gpuNode({ name: 'n' })], running), [urgent().gpus(4).build()]);
  t.deepEqual(result.preemptions, [{ jobId: 'young', forJobId: 'urgent' }]);
  t.deepEqual(result.placements, [], 'it runs in a later cycle, once the victim is gone');
  const reason = result.unschedulable[0]!.reason;
  t.deepEqual(reason, { kind: 'WaitingForPreemption', victims: ['young'] });
  t.is(describeReason(reason), 'waiting for 1 lower-priority job to stop: young');
});

test('fewest victims first: one older job rather than two younger ones', (t) => {
  const running = [
    runningJob().id('young-1').on('n', [0]).startedAt(90).preemptible().build(),
    runningJob().id('young-2').on('n', [1]).startedAt(80).preemptible().build(),
    runningJob().id('old-pair').on('n', [2, 3]).startedAt(10).preemptible().build(),
    runningJob().id('protected').on('n', [4, 5, 6, 7]).startedAt(5).build(),
  ];
  const result = schedule(cluster([gpuNode({ name: 'n' })], running), [urgent().gpus(2).build()]);
  t.deepEqual(victimsOf(result), ['old-pair']);
});

test('never more than needed: free capacity counts, and a job that fits preempts nothing', (t) => {
  const running = [
    runningJob().id('v1').on('n', [0, 1]).startedAt(1).preemptible().build(),
    runningJob().id('v2').on('n', [2, 3]).startedAt(2).preemptible().build(),
    runningJob().id('v3').on('n', [4, 5]).startedAt(3).preemptible().build(),
  ];
  const input = cluster([gpuNode({ name: 'n' })], running);
  t.deepEqual(victimsOf(schedule(input, [urgent().gpus(4).build()])), ['v3']);
  t.deepEqual(victimsOf(schedule(input, [urgent().gpus(2).build()])), []);
  t.deepEqual(victimsOf(schedule(input, [urgent().gpus(6).build()])), ['v3', 'v2']);
});

test('never an equal or higher priority job, nor one whose queue does not allow preemption', (t) => {
  const running = [
    runningJob().id('equal').priority(10).on('n', [0, 1, 2, 3]).preemptible().build(),
    runningJob().id('higher').priority(11).on('n', [4, 5]).preemptible().build(),
    runningJob().id('not-preemptible').priority(0).on('n', [6, 7]).build(),
  ];
  const result = schedule(cluster([gpuNode({ name: 'n' })], running), [urgent().gpus(2).build()]);
  t.deepEqual(result.preemptions, []);
  t.deepEqual(result.unschedulable[0]!.reason, { kind: 'InsufficientGpus', need: 2, largestFree: 0 });
});

test('priority is compared queue priority first, then job priority', (t) => {
  t.true(outranks({ queuePriority: 1, priority: 0 }, { queuePriority: 0, priority: 99 }));
  t.false(outranks({ queuePriority: 0, priority: 99 }, { queuePriority: 1, priority: 0 }));
  t.true(outranks({ priority: 2 }, { priority: 1 }));
  t.false(outranks({ priority: 1 }, { priority: 1 }));
  const running = [
    runningJob()
      .id('low-queue-high-priority')
      .queuePriority(0)
      .priority(50)
      .on('n', [0, 1, 2, 3])
      .startedAt(1)
      .preemptible()
      .build(),
    runningJob()
      .id('high-queue-low-priority')
      .queuePriority(5)
      .priority(0)
      .on('n', [4, 5, 6, 7])
      .startedAt(2)
      .preemptible()
      .build(),
  ];
  const result = schedule(cluster([gpuNode({ name: 'n' })], running), [
    job().id('urgent').queuePriority(1).priority(1).canPreempt().gpus(4).build(),
  ]);
  t.deepEqual(victimsOf(result), ['low-queue-high-priority']);
});

test('a job without canPreempt never preempts', (t) => {
  const running = [runningJob().id('v').on('n', [0, 1, 2, 3, 4, 5, 6, 7]).preemptible().build()];
  const result = schedule(cluster([gpuNode({ name: 'n' })], running), [job().priority(10).gpus(1).build()]);
  t.deepEqual(result.preemptions, []);
});

test('victims are chosen on one node: room scattered over two nodes does not count', (t) => {
  const nodes = gpuNodes(2, { gpus: 2 });
  const running = [
    runningJob().id('keep-0').on('node-0', [0]).build(),
    runningJob().id('v-0').on('node-0', [1]).preemptible().build(),
    runningJob().id('keep-1').on('node-1', [0]).build(),
    runningJob().id('v-1').on('node-1', [1]).preemptible().build(),
  ];
  const result = schedule(cluster(nodes, running), [urgent().gpus(2).build()]);
  t.deepEqual(result.preemptions, []);
});

test('the room being made is held: a later job in the same cycle may not take it', (t) => {
  const running = [runningJob().id('v').on('n', [0, 1, 2, 3]).preemptible().build()];
  const result = schedule(cluster([gpuNode({ name: 'n' })], running), [
    urgent().gpus(8).build(),
    job().id('small').gpus(2).expectedDuration(1000).build(),
  ]);
  t.deepEqual(victimsOf(result), ['v']);
  t.deepEqual(result.placements, []);
  t.deepEqual(result.reservations, [{ jobId: 'urgent', nodes: ['n'], at: 0 }]);
});

test('two preempting jobs never claim the same victim', (t) => {
  const nodes = gpuNodes(2, { gpus: 4 });
  const running = [
    runningJob().id('v-0').on('node-0', [0, 1, 2, 3]).startedAt(1).preemptible().build(),
    runningJob().id('v-1').on('node-1', [0, 1, 2, 3]).startedAt(2).preemptible().build(),
  ];
  const result = schedule(cluster(nodes, running), [
    job().id('first').priority(10).submittedAt(1).canPreempt().gpus(4).build(),
    job().id('second').priority(10).submittedAt(2).canPreempt().gpus(4).build(),
    job().id('third').priority(10).submittedAt(3).canPreempt().gpus(4).build(),
  ]);
  t.deepEqual(result.preemptions, [
    { jobId: 'v-1', forJobId: 'first' },
    { jobId: 'v-0', forJobId: 'second' },
  ]);
});

test('a gang preempts on the nodes its members need', (t) => {
  const nodes = gpuNodes(3, { gpus: 4 });
  const running = [
    runningJob().id('v-0').on('node-0', [0, 1, 2, 3]).startedAt(1).preemptible().build(),
    runningJob().id('v-1').on('node-1', [0, 1]).startedAt(2).preemptible().build(),
    runningJob().id('keep').on('node-1', [2, 3]).build(),
    runningJob().id('v-2').on('node-2', [0, 1, 2, 3]).startedAt(3).preemptible().build(),
  ];
  const result = schedule(cluster(nodes, running), [urgent().gang(2).gpus(4).build()]);
  t.deepEqual(victimsOf(result).sort(), ['v-0', 'v-2']);
});

test('fewestVictims: the smallest set, youngest first among equals, else a set none of which can be spared', (t) => {
  const sizes: Record<string, number> = { a: 1, b: 1, c: 2, d: 3 };
  const fitsIn = (need: number) => (set: readonly string[]) =>
    set.reduce((sum, v) => sum + sizes[v]!, 0) >= need;
  t.deepEqual(fewestVictims(['a', 'b', 'c', 'd'], fitsIn(1)), ['a']);
  t.deepEqual(fewestVictims(['a', 'b', 'c', 'd'], fitsIn(3)), ['d']);
  t.deepEqual(fewestVictims(['a', 'b', 'c', 'd'], fitsIn(4)), ['a', 'd']);
  // Many candidates: beyond the exact search, the greedy result is still minimal.
  const many = Array.from({ length: 20 }, (_, n) => `v${n}`);
  const chosen = fewestVictims(many, (set) => set.length >= 12);
  t.is(chosen.length, 12);
});

test('a victim still stopping is not chosen again, and its preemptor waits for it without more victims', (t) => {
  const running = [
    runningJob()
      .id('leaving')
      .on('n', [0, 1, 2, 3])
      .startedAt(50)
      .preemptible()
      .stoppingFor('urgent', 5_000)
      .build(),
    runningJob().id('other').on('n', [4, 5, 6, 7]).startedAt(60).preemptible().build(),
  ];
  const result = schedule(cluster([gpuNode({ name: 'n' })], running), [urgent().gpus(4).build()]);
  t.deepEqual(result.preemptions, []);
  t.deepEqual(result.unschedulable[0]!.reason, { kind: 'WaitingForPreemption', victims: ['leaving'] });
  t.deepEqual(result.reservations, [{ jobId: 'urgent', nodes: ['n'], at: 0 }]);
});

test('another preemptor looks past a victim that is already stopping', (t) => {
  const running = [
    runningJob()
      .id('leaving')
      .on('n', [0, 1, 2, 3])
      .startedAt(90)
      .preemptible()
      .stoppingFor('first', 5_000)
      .build(),
    runningJob().id('staying').on('n', [4, 5, 6, 7]).startedAt(10).preemptible().build(),
  ];
  const result = schedule(cluster([gpuNode({ name: 'n' })], running), [
    job().id('first').priority(10).canPreempt().gpus(4).build(),
    urgent().submittedAt(1).gpus(4).build(),
  ]);
  t.deepEqual(result.preemptions, [{ jobId: 'staying', forJobId: 'urgent' }]);
});
