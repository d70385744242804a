// With several compute environments the placement loop offers each job to its queue's environments in
// order (AWS Batch's computeEnvironmentOrder): the first that can place it now takes it.
import test from 'ava';
import type { NodeState } from '../../scheduler/core/types.ts';
import { PlacementLoop, type WaitOutcome } from '../../scheduler/placement-loop.ts';
import { gpuNodes, job } from '../support/builders.ts';

function loopOver(environments: Record<string, NodeState[]>, orders: Record<string, string[]>) {
  const reasons = new Map<string, string>();
  const placedOn = new Map<string, string>();
  const all = Object.values(environments).flat();
  const loop = new PlacementLoop({
    nodes: () => all,
    environments: () => Object.entries(environments).map(([name, nodes]) => ({ name, nodes })),
    environmentsOf: (queue) => orders[queue] ?? [],
    now: () => 1000,
    onUnschedulable: (jobId, reason) => reasons.set(jobId, reason),
  });
  const wait = (builder: ReturnType<typeof job>) => {
    const pending = builder.build();
    void loop.waitForPlacement(pending).then((outcome: WaitOutcome) => {
      if (outcome.kind === 'placed') placedOn.set(pending.id, outcome.placement.node);
    });
    return pending.id;
  };
  return { loop, placedOn, reasons, wait };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

const POOLS = {
  first: gpuNodes(1, { gpus: 2, namePrefix: 'first' }),
  second: gpuNodes(1, { gpus: 4, namePrefix: 'second' }),
};

test('jobs fill the first environment of their queue, then spill to the next in the same cycle', async (t) => {
  const { placedOn, wait } = loopOver(POOLS, { q: ['first', 'second'] });
  const ids = [0, 1, 2, 3].map((n) => wait(job().id(`j${n}`).queue('q').gpus(1).submittedAt(n)));
  await settle();
  t.deepEqual(
    ids.map((id) => placedOn.get(id)),
    ['first-0', 'first-0', 'second-0', 'second-0'],
  );
});

test('each queue follows its own order; a job too big for its first environment starts in the second', async (t) => {
  const { placedOn, wait } = loopOver(POOLS, {
    a: ['first', 'second'],
    b: ['second', 'first'],
    c: ['first'],
  });
  const big = wait(job().id('big').queue('a').gpus(3));
  const reverse = wait(job().id('reverse').queue('b').gpus(1));
  await settle();
  t.is(placedOn.get(big), 'second-0');
  t.is(placedOn.get(reverse), 'second-0');
  const onlyFirst = wait(job().id('only-first').queue('c').gpus(1));
  await settle();
  t.is(placedOn.get(onlyFirst), 'first-0');
});

test('a job placed nowhere waits with the reason of each environment it tried', async (t) => {
  const { placedOn, reasons, wait } = loopOver(POOLS, {
    q: ['first', 'second'],
    one: ['first'],
    lost: ['gone'],
  });
  const huge = wait(job().id('huge').queue('q').gpus(8));
  const single = wait(job().id('single').queue('one').gpus(3));
  const stranded = wait(job().id('stranded').queue('lost').gpus(1));
  await settle();
  t.is(placedOn.size, 0);
  t.is(
    reasons.get(huge),
    'first: needs 8 GPUs, largest free on any node is 2; second: needs 8 GPUs, largest free on any node is 4',
  );
  t.is(
    reasons.get(single),
    'needs 3 GPUs, largest free on any node is 2',
    'one environment: the plain reason',
  );
  t.is(reasons.get(stranded), 'no compute environment of queue lost is available (gone)');
});

test('capacity held in one environment stays held: a release there lets the next job in', async (t) => {
  const { loop, placedOn, wait } = loopOver(POOLS, { q: ['first'] });
  const a = wait(job().id('a').queue('q').gpus(2));
  const b = wait(job().id('b').queue('q').gpus(2).submittedAt(1));
  await settle();
  t.is(placedOn.get(a), 'first-0');
  t.false(placedOn.has(b));
  loop.release(a);
  await settle();
  t.is(placedOn.get(b), 'first-0');
});
