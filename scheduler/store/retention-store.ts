// Expiring finished jobs: one Lua script deletes a batch of jobs whose finish time is at or before a
// cutoff, each with everything it owns in Redis, so no index or set keeps an id whose record is gone.

/**
 * Delete jobs of the finished set scored <= cutoff, oldest first, until about `limit` records are deleted
 * (an array counts 1 + its size, and is never split). Per job: the record hash (JSON with its events,
 * version, progress, dependency counter), its members of the all-jobs, status and queue indexes, its
 * idempotency key (only while it still names this job), its wait estimate, the set of its dependents, and
 * for an array parent its state, ready and inflight keys and every child (record, dependents set,
 * estimate); then its finished-set entry. An array with a child not finished yet (a terminate still
 * stopping it) is left whole and looked at again after another retention period (re-scored to `now`).
 * A job's tenant index entry goes too, and its idempotency key is the one named in its hash (a tenant's
 * key; records from before tenancy name none: their key is found from the spec).
 * KEYS: finishedKey, allKey, jobKeyPrefix, statusKeyPrefix, queueKeyPrefix, idemKeyPrefix, estimatesKey,
 *       dependentsPrefix, arrayPrefix, tenantKeyPrefix
 * ARGV: cutoff (ms), limit, now (ms)
 * Returns {deleted jobs, more (1: more may be due now)}.
 */
export const EXPIRE_FINISHED_JOBS = `
local limit = tonumber(ARGV[2])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, limit)
local function finished(s) return s == 'SUCCEEDED' or s == 'FAILED' end
local work, looked, deleted = 0, 0, 0
for _, id in ipairs(ids) do
  if work >= limit then break end
  looked = looked + 1
  local jobKey = KEYS[3] .. id
  local fields = redis.call('HMGET', jobKey, 'status', 'queue', 'json', 'tenant', 'idem')
  local status = fields[1]
  local array = KEYS[9] .. id
  local size = tonumber(redis.call('HGET', array, 'size') or '0')
  local busy = false
  for i = 0, size - 1 do
    local child = redis.call('HGET', KEYS[3] .. id .. ':' .. i, 'status')
    if child and not finished(child) then busy = true; break end
  end
  if busy then
    redis.call('ZADD', KEYS[1], 'XX', ARGV[3], id)
    work = work + 1
  elseif finished(status) then
    for i = 0, size - 1 do
      local child = id .. ':' .. i
      redis.call('DEL', KEYS[3] .. child, KEYS[8] .. child)
      redis.call('HDEL', KEYS[7], child)
    end
    if size > 0 then redis.call('DEL', array, array .. ':ready', array .. ':inflight') end
    redis.call('ZREM', KEYS[4] .. status, id)
    redis.call('ZREM', KEYS[5] .. fields[2], id)
    redis.call('ZREM', KEYS[2], id)
    redis.call('ZREM', KEYS[10] .. (fields[4] or 'default'), id)
    local idem = fields[5]
    if not idem then
      local ok, record = pcall(cjson.decode, fields[3])
      local key = ok and type(record) == 'table' and type(record.spec) == 'table' and record.spec.idempotencyKey
      if type(key) == 'string' then idem = KEYS[6] .. key end
    end
    if idem and redis.call('GET', idem) == id then redis.call('DEL', idem) end
    redis.call('HDEL', KEYS[7], id)
    redis.call('DEL', jobKey, KEYS[8] .. id)
    redis.call('ZREM', KEYS[1], id)
    deleted = deleted + 1
    work = work + 1 + size
  else
    -- not finished (cannot happen through the store) or already gone: only its finished-set entry goes,
    -- with whatever of a gone record the status-independent indexes still hold
    if not status then
      redis.call('ZREM', KEYS[2], id)
      redis.call('ZREM', KEYS[4] .. 'SUCCEEDED', id)
      redis.call('ZREM', KEYS[4] .. 'FAILED', id)
    end
    redis.call('ZREM', KEYS[1], id)
    work = work + 1
  end
end
local more = 0
if looked < #ids or #ids == limit then more = 1 end
return {deleted, more}
`;
