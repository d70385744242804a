// A job queue's own fair-share policy (AWS Batch's scheduling policy): weights, decay and compute
// reservation of the queue, applied to its shares apart from the scheduler-wide fair share.
import test from 'ava';
import fc from 'fast-check';
import {
  decayUsageByKey,
  describeReason,
  type FairShareState,
  fairShareKey,
  type PendingJob,
  type QueueFairSharePolicy,
  schedule,
} from '../../scheduler/core/index.ts';
import { cluster, gpuNode, gpuNodes, job, runningJob, snapshot } from '../support/builders.ts';

const policy = (fields: Partial<QueueFairSharePolicy> = {}): QueueFairSharePolicy => ({
  weights: {},
  halfLifeMs: 3_600_000,
  computeReservation: 0,
  ...fields,
});

/** `count` one-GPU jobs of `share` in `queue`, ids `${queue}.${share}-n`. */
function jobsOf(queue: string, share: string, count: number): PendingJob[] {
  return Array.from({ length: count }, (_, n) =>
    job().id(`${queue}.${share}-${n}`).queue(queue).share(share).submittedAt(n).gpus(1).build(),
  );
}

function placedPerShare(placements: readonly { jobId: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { jobId } of placements) {
    const share = jobId.split('.')[1]!.split('-')[0]!;
    counts[share] = (counts[share] ?? 0) + 1;
  }
  return counts;
}

test("a queue's own weights split its capacity, not the scheduler-wide ones", (t) => {
  const fairShare: FairShareState = {
    weights: { a: 3 }, // scheduler-wide: the opposite of the queue's
    usage: {},
    queuePolicies: { q: policy({ weights: { b: 3 } }) },
  };
  const result = schedule(snapshot(gpuNode({ gpus: 8 })), [...jobsOf('q', 'a', 8), ...jobsOf('q', 'b', 8)], {
    fairShare,
  });
  t.deepEqual(placedPerShare(result.placements), { a: 2, b: 6 });
});

test('the split within a queue follows its weights, whatever the weights and capacity', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 2, maxLength: 4 }),
      fc.integer({ min: 1, max: 4 }),
      (weights, nodeCount) => {
        const shares = weights.map((_, i) => `s${i}`);
        const gpus = nodeCount * 8;
        const pending = shares.flatMap((share) => jobsOf('q', share, gpus));
        const queuePolicies = {
          q: policy({ weights: Object.fromEntries(shares.map((s, i) => [s, weights[i]!])) }),
        };
        const result = schedule(cluster(gpuNodes(nodeCount)), pending, {
          fairShare: { weights: {}, usage: {}, queuePolicies },
        });
        const placed = placedPerShare(result.placements);
        t.is(result.placements.length, gpus, 'every GPU is used');
        // Progressive filling: a share got its last job while its count/weight was the lowest, so no share
        // is more than one job ahead of any other in count/weight.
        for (const [i, a] of shares.entries())
          for (const [j, b] of shares.entries()) {
            if (i === j || (placed[a] ?? 0) === 0) continue;
            const ahead = ((placed[a] ?? 0) - 1) / weights[i]!;
            const other = (placed[b] ?? 0) / weights[j]!;
            if (ahead > other + 1e-9) return false;
          }
        return true;
      },
    ),
  );
});

test("a queue's shares are judged apart: the same share's usage in another queue does not count", (t) => {
  const nodes = [gpuNode({ name: 'n', gpus: 8 })];
  // Share "a" holds 4 GPUs through queue r (no policy of its own).
  const running = [runningJob().id('r-a').queue('r').share('a').on('n', [0, 1, 2, 3]).build()];
  const pending = [...jobsOf('q', 'a', 4), ...jobsOf('q', 'b', 4)];
  const withPolicy = schedule(cluster(nodes, running), pending, {
    fairShare: { weights: {}, usage: {}, queuePolicies: { q: policy() } },
  });
  t.deepEqual(placedPerShare(withPolicy.placements), { a: 2, b: 2 });
  const scheduleWide = schedule(cluster(nodes, running), pending, { fairShare: { weights: {}, usage: {} } });
  t.deepEqual(placedPerShare(scheduleWide.placements), { b: 4 }, 'without a policy "a" counts its 4 GPUs');
});

test("past usage counts with the queue's half-life, under the queue's key", (t) => {
  const queuePolicies = { q: policy({ halfLifeMs: 60_000 }) };
  t.is(fairShareKey({ queue: 'q', share: 'a' }, queuePolicies), 'q/a');
  t.is(fairShareKey({ queue: 'r', share: 'a' }, queuePolicies), 'a');
  const result = schedule(snapshot(gpuNode({ gpus: 2 })), [...jobsOf('q', 'a', 2), ...jobsOf('q', 'b', 2)], {
    // "a" used the queue a lot; the scheduler-wide "b" entry belongs to other queues and does not count.
    fairShare: { weights: {}, usage: { 'q/a': 500, b: 10_000 }, halfLifeMs: 3_600_000, queuePolicies },
  });
  t.deepEqual(placedPerShare(result.placements), { b: 2 });
});

test('usage decays with each queue policy its own half-life (0: forgotten at once)', (t) => {
  const queuePolicies = { fast: policy({ halfLifeMs: 1000 }), none: policy({ halfLifeMs: 0 }) };
  const decayed = decayUsageByKey({ 'fast/a': 8, 'none/a': 8, a: 8 }, 2000, 4000, queuePolicies);
  t.deepEqual(decayed, { 'fast/a': 2, a: 8 * 0.5 ** 0.5 });
});

test('a compute reservation of 50 keeps half the capacity while one share is active', (t) => {
  const result = schedule(snapshot(gpuNode({ gpus: 8 })), jobsOf('q', 'a', 8), {
    fairShare: { weights: {}, usage: {}, queuePolicies: { q: policy({ computeReservation: 50 }) } },
  });
  t.is(result.placements.length, 4);
  const waiting = result.unschedulable.find((u) => u.jobId === 'q.a-4')!;
  t.deepEqual(waiting.reason, {
    kind: 'ComputeReservation',
    queue: 'q',
    reservedPercent: 50,
    activeShares: 1,
  });
  t.is(
    describeReason(waiting.reason),
    "ComputeReservation: queue q keeps 50% of the capacity for shares not yet active (1 active share with this job's)",
  );
});

test('each share that becomes active shrinks the reservation: two shares may hold 75%', (t) => {
  const result = schedule(snapshot(gpuNode({ gpus: 8 })), [...jobsOf('q', 'a', 8), ...jobsOf('q', 'b', 8)], {
    fairShare: { weights: {}, usage: {}, queuePolicies: { q: policy({ computeReservation: 50 }) } },
  });
  t.deepEqual(placedPerShare(result.placements), { a: 3, b: 3 });
});

test('a reservation counts what the queue already runs, and leaves other queues alone', (t) => {
  const nodes = [gpuNode({ name: 'n', gpus: 8 })];
  const running = [runningJob().id('q-a').queue('q').share('a').on('n', [0, 1, 2]).build()];
  const result = schedule(cluster(nodes, running), [...jobsOf('q', 'a', 4), ...jobsOf('other', 'a', 4)], {
    fairShare: { weights: {}, usage: {}, queuePolicies: { q: policy({ computeReservation: 50 }) } },
  });
  const placed = result.placements.map((p) => p.jobId).sort();
  t.deepEqual(placed, ['other.a-0', 'other.a-1', 'other.a-2', 'other.a-3', 'q.a-0']);
});

test('whatever the reservation and shares, a queue never holds more than 1 - (r/100)^active', (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 99 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 3 }),
      (reservation, shareCount, nodeCount) => {
        const shares = Array.from({ length: shareCount }, (_, i) => `s${i}`);
        const gpus = nodeCount * 8;
        const result = schedule(
          cluster(gpuNodes(nodeCount)),
          shares.flatMap((share) => jobsOf('q', share, gpus)),
          {
            fairShare: {
              weights: {},
              usage: {},
              queuePolicies: { q: policy({ computeReservation: reservation }) },
            },
          },
        );
        const active = Object.keys(placedPerShare(result.placements)).length;
        const cap = (1 - (reservation / 100) ** active) * gpus;
        t.true(result.placements.length <= cap + 1e-9, `${result.placements.length} placed, cap ${cap}`);
        // Every job left waits for the reservation, not for lack of room.
        const reasons = new Set(result.unschedulable.map((u) => u.reason.kind));
        if (result.placements.length < gpus) t.deepEqual([...reasons], ['ComputeReservation']);
      },
    ),
  );
});
