// The size: 2,000 jobs on the local executor, the scheduler SIGKILLed three times.
import test from 'ava';
import { schedulerKills } from './scenarios/scheduler-kills.ts';

test('the scheduler SIGKILLed 3 times while 2,000 jobs run: all SUCCEED, each success committed its output exactly once', async (t) => {
  t.timeout(30 * 60_000);
  await schedulerKills(t, { jobs: 2000, kills: 3, slots: 4 });
});
