// CI size: 200 jobs, one SIGKILL of the scheduler (npm run chaos: 2,000 jobs, three kills).
import test from 'ava';
import { schedulerKills } from './scenarios/scheduler-kills.ts';

test('the scheduler SIGKILLed while 200 jobs run: all SUCCEED, each success committed its output exactly once', async (t) => {
  t.timeout(180_000);
  await schedulerKills(t, { jobs: 200, kills: 1, slots: 4 });
});
