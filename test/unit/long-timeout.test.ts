import test from 'ava';
import { setLongTimeout } from '../../scheduler/executors/long-timeout.ts';

test('a timeout beyond the 24.8-day timer limit does not fire early', async (t) => {
  let fired = false;
  const cancel = setLongTimeout(() => (fired = true), 30 * 24 * 3600 * 1000);
  await new Promise((r) => setTimeout(r, 50));
  t.false(fired);
  cancel();
});

test('a short timeout fires once, and a cancelled one never', async (t) => {
  let fired = 0;
  setLongTimeout(() => fired++, 10);
  const cancel = setLongTimeout(() => fired++, 10);
  cancel();
  await new Promise((r) => setTimeout(r, 50));
  t.is(fired, 1);
});
