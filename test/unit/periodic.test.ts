import test from 'ava';
import { every, PeriodicTasks } from '../../scheduler/periodic.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a run still going when the next is due is not started again', async (t) => {
  let running = 0;
  let most = 0;
  let runs = 0;
  const stop = every(
    10,
    async () => {
      runs++;
      running++;
      most = Math.max(most, running);
      await sleep(60);
      running--;
    },
    () => undefined,
  );
  await sleep(200);
  stop();
  t.true(runs >= 2, `ran ${runs} time(s)`);
  t.is(most, 1);
});

test('a failing run is reported and does not stop the later ones', async (t) => {
  let runs = 0;
  const errors: string[] = [];
  const stop = every(
    10,
    () => {
      runs++;
      throw new Error('boom');
    },
    (error) => errors.push(error.message),
  );
  await sleep(100);
  stop();
  t.true(runs >= 2, `ran ${runs} time(s)`);
  t.is(errors.length, runs);
  t.is(errors[0], 'boom');
});

test('stopAll stops every task started so far', async (t) => {
  const tasks = new PeriodicTasks(() => undefined);
  let runs = 0;
  tasks.every(10, () => runs++);
  tasks.every(10, () => runs++);
  await sleep(50);
  tasks.stopAll();
  const stoppedAt = runs;
  t.true(stoppedAt > 0);
  await sleep(50);
  t.is(runs, stoppedAt);
});
