import test from 'ava';
import fc from 'fast-check';
import { firstOfEachShapePerTurn, shapeKey } from '../../scheduler/core/first-of-shape.ts';
import { comparePending } from '../../scheduler/core/order.ts';
import type { PendingJob } from '../../scheduler/core/types.ts';
import { job } from '../support/builders.ts';

/** Few values, so shapes repeat; models, gangs, labels and large numbers send some down the string-keyed path. */
const pendingJob = fc.record({
  gpus: fc.constantFrom(0, 1),
  gpuMilli: fc.constantFrom(0, 500),
  cpuMilli: fc.constantFrom(1000, 1000, 2 ** 30),
  memoryMiB: fc.constantFrom(0, 1024, 2 ** 25),
  models: fc.constantFrom([], [], [], ['A100'], ['T4', 'A100'], ['A100', 'T4']),
  nodes: fc.constantFrom(1, 1, 1, 2),
  sameLabel: fc.constantFrom(undefined, undefined, undefined, 'zone'),
  submittedAt: fc.nat(20),
  priority: fc.nat(2),
  share: fc.constantFrom(undefined, 'x'),
  queuePriority: fc.constantFrom(undefined, 0, 5),
});

test('the first job of each shape per turn, numeric keys or not, is what grouping by turn and shapeKey gives', (t) => {
  fc.assert(
    fc.property(fc.array(pendingJob, { maxLength: 60 }), (records) => {
      const pending: PendingJob[] = records.map((r, n) => {
        const built = job()
          .id(`j${n}`)
          .submittedAt(r.submittedAt)
          .priority(r.priority)
          .cpu(r.cpuMilli)
          .memory(r.memoryMiB)
          .gpuModel(...r.models);
        const withGpus = r.gpus > 0 ? built.gpus(r.gpus) : built.gpuMilli(r.gpuMilli);
        const gang = r.nodes > 1 ? withGpus.gang(r.nodes) : withGpus;
        const labelled = r.sameLabel === undefined ? gang : gang.sameLabel(r.sameLabel);
        const shared = r.share === undefined ? labelled : labelled.share(r.share);
        return (r.queuePriority === undefined ? shared : shared.queuePriority(r.queuePriority)).build();
      });
      const turnKey = (j: PendingJob) => JSON.stringify([j.queuePriority ?? 0, j.share ?? '', j.priority]);
      const expected = new Map<string, PendingJob>();
      for (const j of pending) {
        const key = `${turnKey(j)}|${shapeKey(j)}`;
        const first = expected.get(key);
        if (first === undefined || comparePending(j, first) < 0) expected.set(key, j);
      }
      const turns = firstOfEachShapePerTurn(pending, comparePending);
      const oneTurnEach = turns.every((turn) => new Set(turn.map(turnKey)).size === 1);
      const ids = (jobs: PendingJob[]) => jobs.map((j) => j.id).sort();
      return oneTurnEach && ids(turns.flat()).join() === ids([...expected.values()]).join();
    }),
    { numRuns: 500 },
  );
  t.pass();
});
