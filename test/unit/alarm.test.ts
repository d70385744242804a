import test from 'ava';
import { Alarm } from '../../scheduler/alarm.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('asked for a later time while one is due sooner, it fires once, at the sooner', async (t) => {
  const fired: number[] = [];
  const start = Date.now();
  const alarm = new Alarm(() => fired.push(Date.now() - start));
  alarm.fireBy(start + 30, start);
  alarm.fireBy(start + 500, start);
  await sleep(120);
  t.is(fired.length, 1);
  t.true(fired[0]! < 100, `fired after ${fired[0]} ms`);
});

test('asked for a sooner time, it moves the wake-up earlier', async (t) => {
  let fired = 0;
  const start = Date.now();
  const alarm = new Alarm(() => fired++);
  alarm.fireBy(start + 5_000, start);
  alarm.fireBy(start + 20, start);
  await sleep(100);
  t.is(fired, 1);
  alarm.cancel();
});

test('a cancelled alarm does not fire', async (t) => {
  let fired = 0;
  const alarm = new Alarm(() => fired++);
  alarm.fireBy(Date.now() + 20, Date.now());
  alarm.cancel();
  await sleep(60);
  t.is(fired, 0);
});
