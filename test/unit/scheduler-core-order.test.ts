import test from 'ava';
import { orderPending, schedule } from '../../scheduler/core/index.ts';
import { gpuNode, job, snapshot } from '../support/builders.ts';

test('pending jobs are ordered by priority, then submission time, then id', (t) => {
  const pending = [
    job().id('low-early').priority(1).submittedAt(1).build(),
    job().id('high-late').priority(9).submittedAt(50).build(),
    job().id('high-early-b').priority(9).submittedAt(10).build(),
    job().id('high-early-a').priority(9).submittedAt(10).build(),
  ];
  t.deepEqual(
    orderPending(pending).map((j) => j.id),
    ['high-early-a', 'high-early-b', 'high-late', 'low-early'],
  );
});

test('orderPending leaves its input in place', (t) => {
  const pending = [job().id('b').priority(1).build(), job().id('a').priority(2).build()];
  orderPending(pending);
  t.deepEqual(
    pending.map((j) => j.id),
    ['b', 'a'],
  );
});

test('the higher-priority job gets the scarce GPUs, whatever order it arrives in', (t) => {
  const result = schedule(snapshot(gpuNode({ gpus: 4 })), [
    job().id('low').priority(1).submittedAt(1).gpus(4).build(),
    job().id('high').priority(5).submittedAt(2).gpus(4).build(),
  ]);
  t.deepEqual(
    result.placements.map((p) => p.jobId),
    ['high'],
  );
  t.deepEqual(
    result.unschedulable.map((u) => u.jobId),
    ['low'],
  );
});

test('among equal priorities the earlier submission gets the GPUs first (FIFO)', (t) => {
  const result = schedule(snapshot(gpuNode({ gpus: 4 })), [
    job().id('later').submittedAt(20).gpus(4).build(),
    job().id('earlier').submittedAt(10).gpus(4).build(),
  ]);
  t.deepEqual(
    result.placements.map((p) => p.jobId),
    ['earlier'],
  );
});

test('a big job that does not fit does not block a smaller lower-priority job behind it', (t) => {
  const result = schedule(snapshot(gpuNode({ gpus: 4 })), [
    job().id('too-big').priority(9).gpus(8).build(),
    job().id('small').priority(1).gpus(2).build(),
  ]);
  t.deepEqual(
    result.placements.map((p) => p.jobId),
    ['small'],
  );
});

test('a job of a higher-priority queue goes first, whatever its own priority and submission time', (t) => {
  const pending = [
    job().id('urgent-job-in-normal-queue').priority(100).submittedAt(1).build(),
    job().id('plain-job-in-priority-queue').queuePriority(10).priority(0).submittedAt(50).build(),
  ];
  t.deepEqual(
    orderPending(pending).map((j) => j.id),
    ['plain-job-in-priority-queue', 'urgent-job-in-normal-queue'],
  );
  const result = schedule(snapshot(gpuNode({ gpus: 4 })), [
    job().id('urgent-job-in-normal-queue').priority(100).gpus(4).build(),
    job().id('plain-job-in-priority-queue').queuePriority(10).gpus(4).build(),
  ]);
  t.deepEqual(
    result.placements.map((p) => p.jobId),
    ['plain-job-in-priority-queue'],
  );
});
