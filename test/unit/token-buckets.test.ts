// The rate limit's arithmetic on a hand-driven clock: burst first, then the sustained rate.
import test from 'ava';
import { TokenBuckets } from '../../api/hardening/token-buckets.ts';

function clock(start = 1_000_000) {
  const state = { now: start };
  return { now: () => state.now, advance: (ms: number) => (state.now += ms) };
}

test('a new caller gets its whole burst at once, then is told when the next token arrives', (t) => {
  const time = clock();
  const buckets = new TokenBuckets({ requestsPerSecond: 2, burst: 3 }, time.now);

  const results = [1, 2, 3, 4].map(() => buckets.take('alice'));

  t.deepEqual(results.slice(0, 3), [{ allowed: true }, { allowed: true }, { allowed: true }]);
  t.deepEqual(results[3], { allowed: false, retryAfterSeconds: 1 });
});

test('tokens come back at the configured rate and never beyond the burst', (t) => {
  const time = clock();
  const buckets = new TokenBuckets({ requestsPerSecond: 10, burst: 5 }, time.now);
  for (let i = 0; i < 5; i++) buckets.take('alice');

  time.advance(250); // 2.5 tokens
  t.deepEqual(
    [buckets.take('alice'), buckets.take('alice'), buckets.take('alice')].map((r) => r.allowed),
    [true, true, false],
  );

  time.advance(60_000); // an hour of refill still fills only the burst
  const allowed = Array.from({ length: 7 }, () => buckets.take('alice').allowed).filter(Boolean).length;
  t.is(allowed, 5);
});

test('callers have separate buckets', (t) => {
  const time = clock();
  const buckets = new TokenBuckets({ requestsPerSecond: 1, burst: 1 }, time.now);

  t.true(buckets.take('alice').allowed);
  t.false(buckets.take('alice').allowed);
  t.true(buckets.take('bob').allowed);
});

test('Retry-After is the whole seconds until a token is back, at least 1', (t) => {
  const time = clock();
  const slow = new TokenBuckets({ requestsPerSecond: 0.1, burst: 1 }, time.now);
  slow.take('alice');
  t.deepEqual(slow.take('alice'), { allowed: false, retryAfterSeconds: 10 });
  time.advance(9_500);
  t.deepEqual(slow.take('alice'), { allowed: false, retryAfterSeconds: 1 });
  time.advance(500);
  t.true(slow.take('alice').allowed);
});

test('a clock stepping back neither refills nor drains a bucket', (t) => {
  const time = clock();
  const buckets = new TokenBuckets({ requestsPerSecond: 1, burst: 1 }, time.now);
  buckets.take('alice');
  time.advance(-60_000);
  t.false(buckets.take('alice').allowed);
  time.advance(61_000);
  t.true(buckets.take('alice').allowed);
});

test('a rate of 0 turns the limit off', (t) => {
  const buckets = new TokenBuckets({ requestsPerSecond: 0, burst: 1 });
  t.false(buckets.enabled);
  t.true(Array.from({ length: 1000 }, () => buckets.take('alice').allowed).every(Boolean));
});

test('nonsense settings are refused', (t) => {
  t.throws(() => new TokenBuckets({ requestsPerSecond: -1, burst: 10 }), { instanceOf: RangeError });
  t.throws(() => new TokenBuckets({ requestsPerSecond: 1, burst: 0 }), { instanceOf: RangeError });
});

test('idle callers whose buckets refilled are forgotten, so many one-off callers cannot grow memory forever', (t) => {
  const time = clock();
  const buckets = new TokenBuckets({ requestsPerSecond: 100, burst: 10 }, time.now);
  for (let i = 0; i < 10_000; i++) buckets.take(`address-${i}`);
  t.is(buckets.size, 10_000);

  time.advance(1_000); // every bucket is full again
  buckets.take('newcomer');

  t.is(buckets.size, 1);
});
