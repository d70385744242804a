// Exponential backoff with jitter between attempts: deterministic given the random source.
import test from 'ava';
import fc from 'fast-check';
import { BackoffSchema } from '../../api/schemas/retry-strategy.ts';
import { backoffDelayMs } from '../../scheduler/retry/backoff.ts';

const backoff = (input: unknown) => BackoffSchema.parse(input);

test('without jitter the delay doubles from initialSeconds up to maxSeconds', (t) => {
  const b = backoff({ initialSeconds: 1, factor: 2, maxSeconds: 10, jitter: 0 });
  t.deepEqual(
    [1, 2, 3, 4, 5, 6].map((failures) => backoffDelayMs(b, failures, Math.random)),
    [1000, 2000, 4000, 8000, 10_000, 10_000],
  );
});

test('jitter adds up to its fraction of the delay, as the random source says', (t) => {
  const b = backoff({ initialSeconds: 10, jitter: 0.5 });
  t.is(
    backoffDelayMs(b, 1, () => 0),
    10_000,
  );
  t.is(
    backoffDelayMs(b, 1, () => 0.5),
    12_500,
  );
  t.is(
    backoffDelayMs(b, 2, () => 0.999),
    29_990,
  );
});

test('defaults: factor 2, maxSeconds 3600, jitter 0.2; fractions of a second are allowed', (t) => {
  const b = backoff({ initialSeconds: 0.25 });
  t.deepEqual(b, { initialSeconds: 0.25, factor: 2, maxSeconds: 3600, jitter: 0.2 });
  t.is(
    backoffDelayMs(b, 1, () => 0),
    250,
  );
});

test('the delay is never below the exponential part nor above it plus the jitter', (t) => {
  const property = fc.property(
    fc.double({ min: 0.001, max: 100, noNaN: true }),
    fc.double({ min: 1, max: 10, noNaN: true }),
    fc.double({ min: 0, max: 1, noNaN: true }),
    fc.integer({ min: 1, max: 10 }),
    fc.double({ min: 0, max: 0.999_999, noNaN: true }),
    (initialSeconds, factor, jitter, failures, u) => {
      const b = backoff({ initialSeconds, factor, maxSeconds: 1000, jitter });
      const base = Math.min(1000, initialSeconds * factor ** (failures - 1)) * 1000;
      const delay = backoffDelayMs(b, failures, () => u);
      return delay >= Math.floor(base) && delay <= Math.ceil(base * (1 + jitter));
    },
  );
  t.notThrows(() => fc.assert(property));
});
