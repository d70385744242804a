import test from 'ava';
import { FairShareTracker, SAVE_INTERVAL_MS } from '../../scheduler/fair-share-tracker.ts';
import { cluster, gpuNodes, runningJob } from '../support/builders.ts';

const HOUR = 3_600_000;
const tracker = () => new FairShareTracker({ weights: {}, halfLifeMs: HOUR });

test('a restored usage is decayed by the time since it was saved', (t) => {
  const next = tracker();
  next.restore({ usage: { a: 8, b: 2 }, at: 0 }, 2 * HOUR);
  t.deepEqual(next.current(), { a: 2, b: 0.5 }, 'two half-lives: a quarter');
  t.deepEqual(next.advance(cluster(gpuNodes(1, { gpus: 8 }), [], 2 * HOUR)).usage, { a: 2, b: 0.5 });
});

test('what ran between cycles is saved and continues in the next leader', (t) => {
  const leader = tracker();
  const nodes = gpuNodes(1, { gpus: 8 });
  const running = [runningJob().id('r').share('a').on('node-0', [0, 1, 2, 3, 4, 5, 6, 7]).build()];
  leader.advance(cluster(nodes, running, 0));
  leader.advance(cluster(nodes, running, 1000));
  const saved = leader.toSave(1000);
  t.true(
    saved.usage['a']! > 0.99 && saved.usage['a']! <= 1,
    `a ran the whole cluster for 1 s: ${saved.usage['a']}`,
  );

  const next = tracker();
  next.restore(saved, 1000);
  t.deepEqual(next.current(), saved.usage);
});

test('usage is saved at most every SAVE_INTERVAL_MS', (t) => {
  const leader = tracker();
  t.not(leader.saveDue(0), undefined, 'the first cycle saves');
  t.is(leader.saveDue(SAVE_INTERVAL_MS - 1), undefined);
  t.not(leader.saveDue(SAVE_INTERVAL_MS), undefined);
});

test('the first cycle after a restore decays the usage on to its own time', (t) => {
  const next = tracker();
  next.restore({ usage: { a: 8 }, at: 0 }, 0);
  const state = next.advance(cluster(gpuNodes(1, { gpus: 8 }), [], 2 * HOUR));
  t.deepEqual(state.usage, { a: 2 }, 'two quiet half-lives between the restore and the first cycle');
});

test("a queue with its own policy decays its shares' usage with its half-life", (t) => {
  let policies: Record<
    string,
    { weights: Record<string, number>; halfLifeMs: number; computeReservation: number }
  > = {
    q: { weights: {}, halfLifeMs: HOUR / 4, computeReservation: 0 },
  };
  const next = new FairShareTracker({ weights: {}, halfLifeMs: HOUR, queuePolicies: () => policies });
  next.restore({ usage: { 'q/a': 16, a: 16 }, at: 0 }, HOUR);
  t.deepEqual(next.current(), { 'q/a': 1, a: 8 }, "four of q's half-lives, one scheduler-wide");
  policies = { q: { weights: {}, halfLifeMs: 0, computeReservation: 0 } };
  const state = next.advance(cluster(gpuNodes(1, { gpus: 8 }), [], 2 * HOUR));
  t.deepEqual(state.usage, { a: 4 }, 'a half-life of 0 (changed at run time) keeps no past');
  t.deepEqual(state.queuePolicies, policies, 'the cycle sees the policies of now');
});
