// CI size: Redis stopped for 8 s (npm run chaos stops it for 30 s: redis-stall.chaos.ts).
import test from 'ava';
import { redisStall } from './scenarios/redis-stall.ts';

test('Redis unreachable for 8 s: writes answer 503 + Retry-After, the service recovers by itself, nothing is lost', async (t) => {
  t.timeout(150_000);
  await redisStall(t, 8);
});
