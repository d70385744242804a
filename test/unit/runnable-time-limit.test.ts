// A queue's maxRunnableSeconds: when a RUNNABLE job has waited too long, and what the reason says.
import test from 'ava';
import type { JobRecord } from '../../scheduler/job-record.ts';
import { DEFAULT_QUEUE_SETTINGS } from '../../scheduler/queue-settings.ts';
import { runnableLimitReason, runnableSince } from '../../scheduler/runnable-time-limit.ts';
import { aJobRecord } from '../support/api-builders.ts';

const limited = { ...DEFAULT_QUEUE_SETTINGS, maxRunnableSeconds: 60 };

function runnableSinceMs(at: number, extra: Partial<JobRecord> = {}): JobRecord {
  return aJobRecord({
    status: 'RUNNABLE',
    statusReason: 'needs 4 GPUs, largest free on any node is 2',
    events: [
      { at: 0, status: 'SUBMITTED', reason: 'Job accepted' },
      { at, status: 'RUNNABLE', reason: 'waiting in queue default for capacity' },
    ],
    ...extra,
  });
}

test('a job RUNNABLE for longer than the limit is cancelled with a reason naming the limit and why it waited', (t) => {
  const record = runnableSinceMs(1000);
  t.is(runnableLimitReason(record, limited, 61_000), undefined, 'exactly the limit is still allowed');
  t.is(
    runnableLimitReason(record, limited, 61_001),
    'Cancelled: RUNNABLE for more than 60 s (maxRunnableSeconds of queue default); it was waiting because: needs 4 GPUs, largest free on any node is 2',
  );
});

test('time counts from the latest RUNNABLE event: a retried job starts a new wait', (t) => {
  const record = runnableSinceMs(1000);
  record.events.push(
    { at: 2000, status: 'STARTING', reason: 'placed' },
    { at: 50_000, status: 'RUNNABLE', reason: 'attempt 1 failed; retrying' },
  );
  t.is(runnableSince(record), 50_000);
  t.is(runnableLimitReason(record, limited, 100_000), undefined);
});

test('a backoff does not count as waiting: time counts from its end', (t) => {
  const record = runnableSinceMs(1000, { notBefore: 100_000 });
  t.is(runnableLimitReason(record, limited, 150_000), undefined);
  t.truthy(runnableLimitReason(record, limited, 160_001));
});

test('no limit, or a job not RUNNABLE, is never cancelled', (t) => {
  t.is(runnableLimitReason(runnableSinceMs(0), DEFAULT_QUEUE_SETTINGS, 1e12), undefined);
  t.is(runnableLimitReason(runnableSinceMs(0, { status: 'RUNNING' }), limited, 1e12), undefined);
});
