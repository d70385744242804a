// The length: Redis unreachable (SIGSTOP) for 30 s, longer than the leader lock's TTL (15 s).
import test from 'ava';
import { redisStall } from './scenarios/redis-stall.ts';

test('Redis unreachable for 30 s: writes answer 503 + Retry-After, the service recovers by itself, nothing is lost', async (t) => {
  t.timeout(10 * 60_000);
  await redisStall(t, 30);
});
