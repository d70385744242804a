// Expiring finished jobs: one Lua script deletes a batch of jobs whose finish time is at or before a
// cutoff, each with everything it owns in Redis, so no index keeps a member whose record is gone.

/**
 * Delete up to `limit` jobs of the finished set scored <= cutoff. Per job: the record hash (JSON with its
 * events, version, progress), its members of the all-jobs, status and queue indexes, its idempotency key
 * (only while it still names this job), its wait estimate and its finished-set entry. A job that is not
 * SUCCEEDED/FAILED (cannot happen through the store; defensive) only leaves the finished set.
 * KEYS: finishedKey, allKey, jobKeyPrefix, statusKeyPrefix, queueKeyPrefix, idemKeyPrefix, estimatesKey
 * ARGV: cutoff (ms), limit
 * Returns the number of finished-set entries handled (< limit: nothing more is due).
 */
export const EXPIRE_FINISHED_JOBS = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  local jobKey = KEYS[3] .. id
  local fields = redis.call('HMGET', jobKey, 'status', 'queue', 'json')
  local status = fields[1]
  if status == 'SUCCEEDED' or status == 'FAILED' then
    redis.call('ZREM', KEYS[4] .. status, id)
    redis.call('ZREM', KEYS[5] .. fields[2], id)
    redis.call('ZREM', KEYS[2], id)
    local ok, record = pcall(cjson.decode, fields[3])
    local key = ok and type(record) == 'table' and type(record.spec) == 'table' and record.spec.idempotencyKey
    if type(key) == 'string' and redis.call('GET', KEYS[6] .. key) == id then
      redis.call('DEL', KEYS[6] .. key)
    end
    redis.call('HDEL', KEYS[7], id)
    redis.call('DEL', jobKey)
  elseif not status then
    -- the record is gone already: drop whatever of it the status-independent indexes still hold
    redis.call('ZREM', KEYS[2], id)
    redis.call('ZREM', KEYS[4] .. 'SUCCEEDED', id)
    redis.call('ZREM', KEYS[4] .. 'FAILED', id)
  end
  redis.call('ZREM', KEYS[1], id)
end
return #ids
`;
