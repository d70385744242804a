// What must hold between job records and their Redis indexes whatever requests came in: every indexed id
// has a record, each record is in exactly the status index of its status and in its queue's index, and
// a finished job is in the finished set. Returns the violations (empty when consistent).
import type { Redis } from 'ioredis';
import { JOB_STATUSES, type JobRecord } from '../../../scheduler/job-record.ts';
import type { Keys } from '../../../scheduler/store/keys.ts';

export async function jobIndexViolations(redis: Redis, keys: Keys): Promise<string[]> {
  const violations: string[] = [];
  const all = new Set(await redis.zrange(keys.allJobs, '0', '-1'));
  const statusOf = new Map<string, string[]>();
  for (const status of JOB_STATUSES)
    for (const id of await redis.zrange(keys.byStatus(status), '0', '-1')) {
      statusOf.set(id, [...(statusOf.get(id) ?? []), status]);
      if (!all.has(id)) violations.push(`${id} is in the ${status} index but not in the all-jobs index`);
    }
  const finished = new Set(await redis.zrange(keys.finishedJobs, '0', '-1'));
  for (const id of all) {
    const [json, status] = await redis.hmget(keys.job(id), 'json', 'status');
    if (json === null || json === undefined) {
      violations.push(`${id} is indexed but has no record`);
      continue;
    }
    let record: JobRecord;
    try {
      record = JSON.parse(json) as JobRecord;
    } catch {
      violations.push(`${id}: the stored record is not JSON`);
      continue;
    }
    if (record.id !== id) violations.push(`${id}: the record says its id is ${record.id}`);
    if (record.status !== (status ?? undefined))
      violations.push(`${id}: record status ${record.status}, hash field ${status}`);
    const indexed = statusOf.get(id) ?? [];
    if (indexed.length !== 1 || indexed[0] !== record.status)
      violations.push(`${id} is ${record.status} but in the status indexes [${indexed.join(', ')}]`);
    if ((await redis.zscore(keys.byQueue(record.spec.queue), id)) === null)
      violations.push(`${id} is missing from the index of its queue ${record.spec.queue}`);
    const isFinished = record.status === 'SUCCEEDED' || record.status === 'FAILED';
    if (isFinished !== finished.has(id))
      violations.push(`${id} is ${record.status} but ${finished.has(id) ? 'in' : 'not in'} the finished set`);
  }
  return violations;
}
