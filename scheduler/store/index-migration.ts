// Indexes written before listing by creation time and retention (scored by an insertion sequence, no
// finished set) are brought up to date once, by the first leader that starts on them: every job's index
// entries are re-scored by its createdAt, and every finished job enters the finished set (scored by its
// stoppedAt), so jobs that finished before the upgrade expire too. Since tenancy (version 3) every job is
// also entered in its tenant's index (records from before tenancy: the default tenant's).
import type { Redis } from 'ioredis';
import type { Keys } from './keys.ts';
import { runScript } from './run-script.ts';

/**
 * Re-score a batch of jobs. Idempotent: re-running it changes nothing, and it never adds an id that is
 * not in an index already (ZADD XX), nor moves a finish time already recorded (ZADD NX).
 * Every job enters its tenant's index (ZADD: adding it again changes nothing).
 * KEYS: allKey, jobKeyPrefix, statusKeyPrefix, queueKeyPrefix, finishedKey, tenantKeyPrefix
 * ARGV: now (ms, finish time for a finished record without stoppedAt), id...
 */
const REINDEX_JOBS = `
for i = 2, #ARGV do
  local id = ARGV[i]
  local fields = redis.call('HMGET', KEYS[2] .. id, 'json', 'status', 'queue', 'tenant')
  local ok, record = pcall(cjson.decode, fields[1] or '')
  if ok and type(record) == 'table' and type(record.createdAt) == 'number' then
    local created = record.createdAt
    redis.call('ZADD', KEYS[1], 'XX', created, id)
    redis.call('ZADD', KEYS[3] .. fields[2], 'XX', created, id)
    redis.call('ZADD', KEYS[4] .. fields[3], 'XX', created, id)
    redis.call('ZADD', KEYS[6] .. (fields[4] or 'default'), created, id)
    if fields[2] == 'SUCCEEDED' or fields[2] == 'FAILED' then
      local stopped = type(record.stoppedAt) == 'number' and record.stoppedAt or tonumber(ARGV[1])
      redis.call('ZADD', KEYS[5], 'NX', stopped, id)
    end
  end
end
return #ARGV - 1
`;

/** Version of the index layout this code writes; stored once the migration is done. */
const INDEX_VERSION = '3';

/** Re-indexes every job unless it was done before; returns how many jobs it looked at. */
export async function migrateIndexesOnce(redis: Redis, keys: Keys, now: () => number): Promise<number> {
  if ((await redis.get(keys.indexVersion)) === INDEX_VERSION) return 0;
  let cursor = '0';
  let seen = 0;
  do {
    const [next, flat] = await redis.zscan(keys.allJobs, cursor, 'COUNT', 500);
    cursor = next;
    const ids = flat.filter((_, i) => i % 2 === 0);
    if (ids.length > 0)
      seen += (await runScript(
        redis,
        REINDEX_JOBS,
        [
          keys.allJobs,
          keys.job(''),
          keys.statusPrefix,
          keys.byQueue(''),
          keys.finishedJobs,
          keys.tenantPrefix,
        ],
        [String(now()), ...ids],
      )) as number;
  } while (cursor !== '0');
  await redis.set(keys.indexVersion, INDEX_VERSION);
  return seen;
}
