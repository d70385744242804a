// The placement loop applies each queue's current settings every cycle: maxConcurrentJobs limits what the
// core is offered, and a changed queue priority reaches jobs already waiting.
import test from 'ava';
import { PlacementLoop, type WaitOutcome } from '../../scheduler/placement-loop.ts';
import { DEFAULT_QUEUE_SETTINGS, type QueueSettings } from '../../scheduler/queue-settings.ts';
import { gpuNodes, job } from '../support/builders.ts';

function loopWith(gpus: number, settings: Record<string, Partial<QueueSettings>>) {
  const reasons = new Map<string, string>();
  const loop = new PlacementLoop({
    nodes: () => gpuNodes(1, { gpus }),
    now: () => 1000,
    queueSettings: (queue) => ({ ...DEFAULT_QUEUE_SETTINGS, ...settings[queue] }),
    onUnschedulable: (jobId, reason) => reasons.set(jobId, reason),
  });
  const placed: string[] = [];
  const wait = (builder: ReturnType<typeof job>) => {
    const pending = builder.build();
    void loop.waitForPlacement(pending).then((outcome: WaitOutcome) => {
      if (outcome.kind === 'placed') placed.push(pending.id);
    });
    return pending.id;
  };
  return { loop, placed, reasons, wait };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

test('a queue at maxConcurrentJobs is offered only its free slots, highest job priority first', async (t) => {
  const { loop, placed, reasons, wait } = loopWith(8, { capped: { maxConcurrentJobs: 2 } });
  const low = wait(job().id('low').queue('capped').gpus(1).priority(0));
  const high = wait(job().id('high').queue('capped').gpus(1).priority(5));
  const middle = wait(job().id('middle').queue('capped').gpus(1).priority(1));
  const free = wait(job().id('free').queue('other').gpus(1));
  await settle();

  t.deepEqual(placed.toSorted(), [free, high, middle].toSorted());
  t.is(reasons.get(low), 'queue capped is at its maxConcurrentJobs (2 jobs starting or running)');

  loop.release(high);
  await settle();
  t.true(placed.includes(low), 'a freed slot goes to the next job');
});

test('a queue priority raised while its job waits decides which job gets the one free GPU', async (t) => {
  const settings: Record<string, Partial<QueueSettings>> = { a: { priority: 0 }, b: { priority: 0 } };
  const { loop, placed, wait } = loopWith(1, settings);
  const blocker = wait(job().id('blocker').queue('a').gpus(1));
  await settle();
  const older = wait(job().id('older').queue('a').gpus(1).submittedAt(1));
  const newer = wait(job().id('newer').queue('b').gpus(1).submittedAt(2));
  await settle();
  t.deepEqual(placed, [blocker]);

  settings.b = { priority: 10 };
  loop.release(blocker);
  await settle();
  t.deepEqual(placed, [blocker, newer]);
  t.false(placed.includes(older));
});
