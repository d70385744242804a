// Lua for job dependencies and array jobs. Each change runs atomically inside Redis; what needs a record
// rewritten (a job made RUNNABLE, failed by a dependency, an array to release or finish) goes to an
// outbox that scheduler/dependencies.ts drains, so a crash between the two steps loses nothing.
// Key layout (built in scheduler/store/keys.ts; the scripts append ids to its prefixes):
//   <jobPrefix><id>             hash: json, version, status, ... and `deps` (unfinished dependencies);
//                               a child also `array` (its parent id) and `index`
//   <dependentsPrefix><id>      set: the jobs waiting for <id>
//   <arrayPrefix><parent>       hash: size, limit, and the children's count per status
//   <arrayPrefix><parent>:ready     zset: children whose dependencies are met, by index
//   <arrayPrefix><parent>:inflight  set: released children not finished yet
import { APPEND_EVENT } from './event-lua.ts';
import { CHECK_QUEUED_LIMIT } from './tenant-lua.ts';

/** The index of an array child inside the child record template. */
export const INDEX_MARK = '@INDEX@';
/** The index before it (a SEQUENTIAL child's dependency), in a failed child's template. */
export const PREVIOUS_MARK = '@PREVIOUS@';

/**
 * Runs inside CAS_JOB after the record's status went from `from` to `to` (they differ). Expects locals
 * `id`, `from`, `to`, KEYS[1] the job key and KEYS[4..9]: jobPrefix, dependentsPrefix, arrayPrefix,
 * outboxReady, outboxFailed, outboxArrays. Returns true when it handled the status indexes (a child is
 * in none of them: children are listed through their parent).
 */
export const AFTER_STATUS_CHANGE = `
local jobPrefix, dependentsPrefix, arrayPrefix = KEYS[4], KEYS[5], KEYS[6]
local function terminal(s) return s == 'SUCCEEDED' or s == 'FAILED' end
-- A job whose dependencies are all met: a child joins its array's ready set, an array parent opens its
-- gate, any other job goes to the outbox to be made RUNNABLE.
local function releasable(job)
  local f = redis.call('HMGET', jobPrefix .. job, 'status', 'array', 'index')
  if f[1] ~= 'PENDING' then return end
  if f[2] then
    redis.call('ZADD', arrayPrefix .. f[2] .. ':ready', tonumber(f[3]), job)
    redis.call('SADD', KEYS[9], f[2])
  elseif redis.call('EXISTS', arrayPrefix .. job) == 1 then
    redis.call('SADD', KEYS[9], job)
  else
    redis.call('SADD', KEYS[7], job)
  end
end
local parent = redis.call('HGET', KEYS[1], 'array')
if parent then
  local state = arrayPrefix .. parent
  redis.call('HINCRBY', state, from, -1)
  redis.call('HINCRBY', state, to, 1)
  if terminal(to) then
    redis.call('SREM', state .. ':inflight', id)
    redis.call('ZREM', state .. ':ready', id)
    redis.call('SADD', KEYS[9], parent)
  elseif to == 'PENDING' and redis.call('HGET', KEYS[1], 'deps') == '0' then
    releasable(id) -- a retried child
  end
end
if terminal(to) and not terminal(from) then
  for _, job in ipairs(redis.call('SMEMBERS', dependentsPrefix .. id)) do
    if to == 'SUCCEEDED' then
      if redis.call('HINCRBY', jobPrefix .. job, 'deps', -1) == 0 then releasable(job) end
    else
      redis.call('HSETNX', KEYS[8], job, id)
    end
  end
end
local handledIndexes = parent ~= false
`;

/**
 * Create a job with dependencies, or an array job with all its children, unless the idempotency key is
 * taken. The job is PENDING; with nothing to wait for it goes to the outbox at once.
 * The job's own events (SUBMITTED, PENDING) go to the events stream; its children's creation does not
 * (an array's children are announced by the parent; each child's later changes are streamed by CAS_JOB).
 * Tenancy: a dependency of another tenant than `dependencyTenant` (when given) is UNKNOWN_DEPENDENCY, as
 * if it did not exist; the job (an array: its children) counts as queued for its tenant, which a limit
 * may refuse (TENANT_QUEUED_LIMIT, tenant-lua.ts).
 * KEYS: idemKey ('' for none), seqKey, allKey, pendingStatusKey, queueKey, jobPrefix, dependentsPrefix,
 *       arrayPrefix, outboxReady, outboxFailed, outboxArrays, eventsKey, tenantKey, tenantQueuedKey
 * ARGV: id, json, queue, dependencies (JSON [[jobId, type], ...], type '' for a plain one),
 *       arraySize (0: not an array), limit (children released at once), child json template,
 *       createdAt (ms: the indexes' score, as CREATE_JOB), events (JSON [[status, reason, at], ...]),
 *       eventsMaxLen, tenant, maxQueued ('' for no limit), dependencyTenant ('' for any)
 * Returns {id, created(0|1)}; errors UNKNOWN_DEPENDENCY <i>, N_TO_N_SIZE <i>, TENANT_QUEUED_LIMIT <n>
 * (nothing is written).
 */
export const CREATE_WITH_DEPENDENCIES = `
local idem = KEYS[1]
if idem ~= '' then
  local existing = redis.call('GET', idem)
  if existing then return {existing, 0} end
end
local id, size = ARGV[1], tonumber(ARGV[5])
local jobPrefix, dependentsPrefix, arrayPrefix = KEYS[6], KEYS[7], KEYS[8]
local dependencies = cjson.decode(ARGV[4])
local sequential = false
for i, d in ipairs(dependencies) do
  if d[2] == 'SEQUENTIAL' then
    sequential = true
  else
    if redis.call('EXISTS', jobPrefix .. d[1]) == 0 then return redis.error_reply('UNKNOWN_DEPENDENCY ' .. (i - 1)) end
    if ARGV[13] ~= '' and (redis.call('HGET', jobPrefix .. d[1], 'tenant') or 'default') ~= ARGV[13] then
      return redis.error_reply('UNKNOWN_DEPENDENCY ' .. (i - 1))
    end
    if d[2] == 'N_TO_N' and tonumber(redis.call('HGET', arrayPrefix .. d[1], 'size') or '0') ~= size then
      return redis.error_reply('N_TO_N_SIZE ' .. (i - 1))
    end
  end
end
-- 1 when dependent must wait for on; a dependency that already failed fails the dependent (via the outbox).
local function edge(dependent, on)
  local status = redis.call('HGET', jobPrefix .. on, 'status')
  if status == 'SUCCEEDED' then return 0 end
  if status == 'FAILED' then
    redis.call('HSETNX', KEYS[10], dependent, on)
    return 0
  end
  redis.call('SADD', dependentsPrefix .. on, dependent)
  return 1
end
local tenant, tenantQueuedKey, maxQueued, units = ARGV[11], KEYS[14], ARGV[12], math.max(size, 1)
${CHECK_QUEUED_LIMIT}
local waits = 0
for _, d in ipairs(dependencies) do
  if d[2] == '' then waits = waits + edge(id, d[1]) end
end
local seq = redis.call('INCR', KEYS[2])
redis.call('HSET', jobPrefix .. id, 'json', ARGV[2], 'version', 1, 'status', 'PENDING', 'queue', ARGV[3], 'seq', seq, 'deps', waits, 'tenant', tenant)
local created = tonumber(ARGV[8]) or seq
redis.call('ZADD', KEYS[3], created, id)
redis.call('ZADD', KEYS[4], created, id)
redis.call('ZADD', KEYS[5], created, id)
redis.call('ZADD', KEYS[13], created, id)
redis.call('HINCRBY', tenantQueuedKey, tenant, units)
if idem ~= '' then
  redis.call('SET', idem, id)
  redis.call('HSET', jobPrefix .. id, 'idem', idem)
end
for _, event in ipairs(cjson.decode(ARGV[9])) do
  local eventsKey, eventsMax, queue, status, reason, at = KEYS[12], ARGV[10], ARGV[3], event[1], event[2], event[3]
  ${APPEND_EVENT}
end
if size == 0 then
  if waits == 0 then redis.call('SADD', KEYS[9], id) end
  return {id, 1}
end
local state = arrayPrefix .. id
redis.call('HSET', state, 'size', size, 'limit', tonumber(ARGV[6]), 'PENDING', size)
local template = ARGV[7]
for i = 0, size - 1 do
  local child = id .. ':' .. i
  local n = 0
  for _, d in ipairs(dependencies) do
    if d[2] == 'N_TO_N' then n = n + edge(child, d[1] .. ':' .. i) end
  end
  if sequential and i > 0 then
    redis.call('SADD', dependentsPrefix .. id .. ':' .. (i - 1), child)
    n = n + 1
  end
  local json = string.gsub(template, '${INDEX_MARK}', tostring(i))
  redis.call('HSET', jobPrefix .. child, 'json', json, 'version', 1, 'status', 'PENDING', 'array', id, 'index', i, 'deps', n, 'tenant', tenant)
  if n == 0 then redis.call('ZADD', state .. ':ready', i, child) end
end
redis.call('SADD', KEYS[11], id)
return {id, 1}
`;

/**
 * Take up to (limit - released) ready children of an array whose parent is PENDING with its own
 * dependencies met, and mark them released. The caller then makes each RUNNABLE and enqueues it; a
 * crash before that leaves them in the inflight set, where recovery finds them.
 * KEYS: parentJobKey, arrayState, ready, inflight   Returns the child ids.
 */
export const RELEASE_CHILDREN = `
local parent = redis.call('HMGET', KEYS[1], 'status', 'deps')
if parent[1] ~= 'PENDING' or parent[2] ~= '0' then return {} end
local free = tonumber(redis.call('HGET', KEYS[2], 'limit') or '0') - redis.call('SCARD', KEYS[4])
if free <= 0 then return {} end
local popped = redis.call('ZPOPMIN', KEYS[3], free)
local ids = {}
for i = 1, #popped, 2 do
  redis.call('SADD', KEYS[4], popped[i])
  ids[#ids + 1] = popped[i]
end
return ids
`;

/**
 * The end of both scripts that fail children (their shared KEYS: jobPrefix 1, arrayState 3, outboxArrays 7,
 * tenantQueued 8; ARGV[1] the parent id): after local `failed` children went PENDING -> FAILED, the array's
 * counts and its tenant's queued count follow and the parent goes to the arrays outbox (to release more
 * children, or to finish).
 */
const COUNT_FAILED_CHILDREN = `
if failed > 0 then
  redis.call('HINCRBY', KEYS[3], 'PENDING', -failed)
  redis.call('HINCRBY', KEYS[3], 'FAILED', failed)
  redis.call('SADD', KEYS[7], ARGV[1])
  local tenant = redis.call('HGET', KEYS[1] .. ARGV[1], 'tenant')
  if tenant then redis.call('HINCRBY', KEYS[8], tenant, -failed) end
end`;

/**
 * Fail the children [from, to) of an array that are PENDING and were never rewritten (version 1: their
 * json is still the creation template), from the failed template; their dependents go to the outbox.
 * KEYS: jobPrefix, dependentsPrefix, arrayState, ready, inflight, outboxFailed, outboxArrays, tenantQueued
 * ARGV: parentId, from, to, failed child json template
 * Returns the indexes of the other unfinished children (the caller fails or stops them one by one).
 */
export const FAIL_UNTOUCHED_CHILDREN = `
local left, failed = {}, 0
for i = tonumber(ARGV[2]), tonumber(ARGV[3]) - 1 do
  local child = ARGV[1] .. ':' .. i
  local key = KEYS[1] .. child
  local f = redis.call('HMGET', key, 'status', 'version')
  if f[1] == 'PENDING' and f[2] == '1' then
    local json = string.gsub(ARGV[4], '${INDEX_MARK}', tostring(i))
    redis.call('HSET', key, 'json', json, 'version', 2, 'status', 'FAILED')
    redis.call('ZREM', KEYS[4], child)
    redis.call('SREM', KEYS[5], child)
    for _, job in ipairs(redis.call('SMEMBERS', KEYS[2] .. child)) do redis.call('HSETNX', KEYS[6], job, child) end
    failed = failed + 1
  elseif f[1] ~= 'SUCCEEDED' and f[1] ~= 'FAILED' then
    left[#left + 1] = i
  end
end
${COUNT_FAILED_CHILDREN}
return left
`;

/**
 * A SEQUENTIAL array whose child from-1 failed: fail children from, from+1, ... while they are PENDING
 * at version 1 (untouched), each from the failed template (its index and the one before filled in). The
 * next child is not put in the outbox when this loop fails it too; other dependents are.
 * KEYS: jobPrefix, dependentsPrefix, arrayState, ready, inflight, outboxFailed, outboxArrays, tenantQueued
 * ARGV: parentId, from, size, failed child json template   Returns how many it failed.
 */
export const FAIL_SEQUENTIAL_CHAIN = `
local function untouched(child)
  local f = redis.call('HMGET', KEYS[1] .. child, 'status', 'version')
  return f[1] == 'PENDING' and f[2] == '1'
end
local size, failed, i = tonumber(ARGV[3]), 0, tonumber(ARGV[2])
local child = ARGV[1] .. ':' .. i
while i < size and untouched(child) do
  local json = (string.gsub(ARGV[4], '${INDEX_MARK}', tostring(i)))
  json = (string.gsub(json, '${PREVIOUS_MARK}', tostring(i - 1)))
  redis.call('HSET', KEYS[1] .. child, 'json', json, 'version', 2, 'status', 'FAILED')
  redis.call('ZREM', KEYS[4], child)
  redis.call('SREM', KEYS[5], child)
  local nextChild = ARGV[1] .. ':' .. (i + 1)
  local chained = i + 1 < size and untouched(nextChild)
  for _, job in ipairs(redis.call('SMEMBERS', KEYS[2] .. child)) do
    if not (chained and job == nextChild) then redis.call('HSETNX', KEYS[6], job, child) end
  end
  failed = failed + 1
  i = i + 1
  child = nextChild
end
${COUNT_FAILED_CHILDREN}
return failed
`;
