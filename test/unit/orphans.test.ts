// Which attempts left on the executor are orphans: the leader removes pods of no live job attempt, keeps
// those a driver will re-attach to, and keeps finished ones for their logs until their time is up.
import test from 'ava';
import type { Executor, UndrivenAttempt } from '../../scheduler/executors/executor.ts';
import type { JobRecord, JobStatus } from '../../scheduler/job-record.ts';
import { removeOrphans } from '../../scheduler/orphans.ts';
import type { JobStore } from '../../scheduler/store/job-store.ts';
import { kernelJobSpec } from '../support/job-specs.ts';

function record(id: string, status: JobStatus, attempts: number, lastStopped = false): JobRecord {
  return {
    id,
    tenant: 'default',
    spec: kernelJobSpec(),
    status,
    statusReason: '',
    createdAt: 0,
    events: [],
    attempts: Array.from({ length: attempts }, (_, i) => ({
      number: i + 1,
      placement: { node: 'n', gpuIndices: [], gpuMilliPerGpu: 0 },
      startedAt: 1,
      ...(i + 1 < attempts || lastStopped ? { stoppedAt: 2, outcome: 'failed' as const } : {}),
    })),
  };
}

function world(records: JobRecord[], undriven: UndrivenAttempt[]) {
  const removed: string[] = [];
  const left = [...undriven];
  const store = { get: async (id: string) => records.find((r) => r.id === id) } as unknown as JobStore;
  const executor = {
    undriven: () => [...left],
    removeOrphan: async (orphan: UndrivenAttempt) => {
      removed.push(orphan.name);
      left.splice(left.indexOf(orphan), 1);
    },
  } as unknown as Executor;
  return { store, executor, removed };
}

const pod = (jobId: string, attempt: number, keepUntil?: number): UndrivenAttempt => ({
  jobId,
  attempt,
  name: `${jobId}-${attempt}`,
  ...(keepUntil === undefined ? {} : { keepUntil }),
});

test('the pod of a running attempt waits for its driver; pods of finished, deleted or superseded attempts go', async (t) => {
  const { store, executor, removed } = world(
    [record('live', 'RUNNING', 2), record('done', 'SUCCEEDED', 1, true), record('retried', 'RUNNING', 2)],
    [pod('live', 2), pod('done', 1), pod('gone', 1), pod('retried', 1)],
  );
  t.is(await removeOrphans(store, executor, undefined, () => 1000), 3);
  t.deepEqual(removed.sort(), ['done-1', 'gone-1', 'retried-1']);
});

test('a finished pod is kept for its logs until keepUntil', async (t) => {
  const { store, executor, removed } = world([record('done', 'FAILED', 1, true)], [pod('done', 1, 5000)]);
  t.is(await removeOrphans(store, executor, undefined, () => 4999), 0);
  t.is(await removeOrphans(store, executor, undefined, () => 5000), 1);
  t.deepEqual(removed, ['done-1']);
});

test('executors without attempts of their own (local) have no orphans', async (t) => {
  const store = { get: async () => undefined } as unknown as JobStore;
  t.is(await removeOrphans(store, { nodes: () => [] } as unknown as Executor), 0);
});
