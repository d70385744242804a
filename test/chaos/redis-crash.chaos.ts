// Redis SIGKILLed with more work in flight and down longer (submissions meet 503s), with appendfsync
// always as the issue asks, and with everysec: a crash of the Redis process alone loses nothing either
// while the disk keeps up, since the AOF is written (not yet fsynced) before Redis replies; everysec risks
// a second or two of acknowledged writes when the machine itself fails (docs/operations.md#guarantees).
import test from 'ava';
import { redisCrash } from './scenarios/redis-crash.ts';

test.serial(
  'Redis SIGKILLed mid-run, down 5 s, restarted from its AOF (appendfsync always): every 2xx submission completes',
  async (t) => {
    t.timeout(15 * 60_000);
    await redisCrash(t, { acceptedBeforeKill: 500, downMs: 5000, appendFsync: 'always' });
  },
);

test.serial(
  'the same with appendfsync everysec: a Redis process crash loses no acknowledged write either',
  async (t) => {
    t.timeout(15 * 60_000);
    await redisCrash(t, { acceptedBeforeKill: 500, downMs: 5000, appendFsync: 'everysec' });
  },
);
