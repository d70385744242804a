// CI size of the Redis crash (npm run chaos runs it with more jobs: redis-crash.chaos.ts).
import test from 'ava';
import { redisCrash } from './scenarios/redis-crash.ts';

test('Redis SIGKILLed mid-run and restarted from its AOF (appendfsync always): every 2xx submission completes', async (t) => {
  t.timeout(150_000);
  await redisCrash(t, { acceptedBeforeKill: 60, downMs: 4000, appendFsync: 'always' });
});
