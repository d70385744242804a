// Lua scripts for the multi-key state changes: each runs atomically inside Redis.
// Error replies are codes mapped to typed errors in job-store.ts.
import { AFTER_STATUS_CHANGE } from './dependency-lua.ts';
import { APPEND_EVENT } from './event-lua.ts';
import { CHECK_QUEUED_LIMIT, MOVE_QUEUED_COUNT, QUEUED_STATUS } from './tenant-lua.ts';

/**
 * Create a job unless its idempotency key is taken. The indexes are scored by creation time (ms; ties
 * ordered by id), the order listings page through (scheduler/store/job-index.ts).
 * Appends the record's events to the events stream (only when it creates the job): SUBMITTED, or for a
 * job with nothing to wait for SUBMITTED, PENDING and RUNNABLE. The job counts as queued for its tenant;
 * with a limit given, a tenant already at it gets error TENANT_QUEUED_LIMIT and nothing is written
 * (tenant-lua.ts). The idempotency key's name is kept in the hash for retention.
 * KEYS: idemKey ('' for none), seqKey, allKey, statusKey, queueKey, jobKeyPrefix, eventsKey, tenantKey,
 *       tenantQueuedKey
 * ARGV: id, json, status, queue, createdAt, events (JSON [[status, reason, at], ...]), eventsMaxLen, tenant,
 *       maxQueued ('' for no limit)
 * Returns {id, created(0|1)}.
 */
export const CREATE_JOB = `
local idem = KEYS[1]
if idem ~= '' then
  local existing = redis.call('GET', idem)
  if existing then return {existing, 0} end
end
local tenant, tenantQueuedKey, maxQueued, units = ARGV[8], KEYS[9], ARGV[9], 1
${CHECK_QUEUED_LIMIT}
local id = ARGV[1]
local seq = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[6] .. id, 'json', ARGV[2], 'version', 1, 'status', ARGV[3], 'queue', ARGV[4], 'seq', seq, 'tenant', tenant)
local created = tonumber(ARGV[5]) or seq
redis.call('ZADD', KEYS[3], created, id)
redis.call('ZADD', KEYS[4], created, id)
redis.call('ZADD', KEYS[5], created, id)
redis.call('ZADD', KEYS[8], created, id)
redis.call('HINCRBY', tenantQueuedKey, tenant, units)
if idem ~= '' then
  redis.call('SET', idem, id)
  redis.call('HSET', KEYS[6] .. id, 'idem', idem)
end
for _, event in ipairs(cjson.decode(ARGV[6])) do
  local eventsKey, eventsMax, queue, status, reason, at = KEYS[7], ARGV[7], ARGV[4], event[1], event[2], event[3]
  ${APPEND_EVENT}
end
return {id, 1}
`;

/**
 * Set a value only while `fence` is the current leader's fencing token (a deposed leader writes nothing).
 * KEYS: key, fenceKey   ARGV: value, fence
 */
export const SET_FENCED = `
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return redis.error_reply('FENCED') end
redis.call('SET', KEYS[1], ARGV[1])
return 1
`;

/**
 * Compare-and-set a job record: refuses if the version moved (STALE) or if a fence is given and is not
 * the current leader's (FENCED). Moves the id between status indexes (keeping its creation-time score),
 * and on a status change does the dependency and array bookkeeping (AFTER_STATUS_CHANGE) in the same step.
 * A job (not an array child: children go with their parent) entering SUCCEEDED/FAILED joins the finished
 * set, scored by its finish time, which the retention sweep expires from (retention-store.ts).
 * A status change also appends the events it adds to the record to the events stream (one write may pass
 * through several statuses: SUBMITTED -> PENDING -> RUNNABLE), so an event exists iff the change did,
 * and moves the tenant's count of queued jobs (MOVE_QUEUED_COUNT).
 * KEYS: jobKey, fenceKey, statusKeyPrefix, jobPrefix, dependentsPrefix, arrayPrefix, outboxReady,
 *       outboxFailed, outboxArrays, finishedKey, eventsKey, tenantQueuedKey
 * ARGV: expectedVersion, json, newStatus, fence ('' when the writer is not the scheduler), id,
 *       finishedAt (ms; '' unless this write finishes the job), queue,
 *       newEvents (JSON [[status, reason, at], ...]), eventsMaxLen, tenant
 * Returns the new version.
 */
export const CAS_JOB = `
if ARGV[4] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[4] then return redis.error_reply('FENCED') end
local fields = redis.call('HMGET', KEYS[1], 'version', 'status', 'seq')
if not fields[1] then return redis.error_reply('NOT_FOUND') end
if fields[1] ~= ARGV[1] then return redis.error_reply('STALE') end
local version = tonumber(fields[1]) + 1
redis.call('HSET', KEYS[1], 'json', ARGV[2], 'version', version, 'status', ARGV[3])
if fields[2] ~= ARGV[3] then
  local id, from, to = ARGV[5], fields[2], ARGV[3]
  ${AFTER_STATUS_CHANGE}
  if not handledIndexes then
    local score = redis.call('ZSCORE', KEYS[3] .. fields[2], ARGV[5]) or fields[3]
    redis.call('ZREM', KEYS[3] .. fields[2], ARGV[5])
    redis.call('ZADD', KEYS[3] .. ARGV[3], tonumber(score), ARGV[5])
    if ARGV[6] ~= '' then redis.call('ZADD', KEYS[10], ARGV[6], ARGV[5]) end
  end
  do
    local tenantQueuedKey, jobKey, arrayStateKey = KEYS[12], KEYS[1], KEYS[6] .. ARGV[5]
    ${QUEUED_STATUS}
    ${MOVE_QUEUED_COUNT}
  end
  local tenant = ARGV[10]
  for _, event in ipairs(cjson.decode(ARGV[8])) do
    local eventsKey, eventsMax, queue, status, reason, at = KEYS[11], ARGV[9], ARGV[7], event[1], event[2], event[3]
    ${APPEND_EVENT}
  end
end
return version
`;

/**
 * Take or renew the leader lock. A new holder gets a new fencing token (INCR); a renewal keeps it.
 * KEYS: lockKey, fenceKey   ARGV: holderId, ttlMs
 * Returns the fencing token, or false when another holder has the lock.
 */
export const ACQUIRE_LEADER = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return redis.call('GET', KEYS[2])
end
if holder then return false end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return tostring(redis.call('INCR', KEYS[2]))
`;

/**
 * Take the leader lock whoever holds it, with a new fencing token. Only for a holder that an outside
 * authority (a Kubernetes Lease) has made leader: the previous holder's token becomes stale at once.
 * KEYS: lockKey, fenceKey  ARGV: holderId, ttlMs  Returns the new token.
 */
export const SEIZE_LEADER = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return tostring(redis.call('INCR', KEYS[2]))
`;

/** Extend the leader lock only while we hold it (no re-taking a lapsed one).  KEYS: lockKey, fenceKey  ARGV: holderId, ttlMs */
export const RENEW_LEADER = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('GET', KEYS[2])
`;

/** Release the leader lock only if we still hold it.  KEYS: lockKey  ARGV: holderId */
export const RELEASE_LEADER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Register the next revision of a job definition: revision number, record and indexes in one step, so
 * concurrent registrations of one name get 1, 2, 3, ... without gaps or duplicates.
 * KEYS: revisionKey, seqKey, allKey, activeStatusKey, byNameKey, activeRevisionsKey, definitionKeyPrefix
 * ARGV: name, json (the definition and registeredAt; revision and status live in their own fields)
 * Returns the revision.
 */
export const REGISTER_JOB_DEFINITION = `
local revision = redis.call('INCR', KEYS[1])
local seq = redis.call('INCR', KEYS[2])
local id = ARGV[1] .. ':' .. revision
redis.call('HSET', KEYS[7] .. revision, 'json', ARGV[2], 'revision', revision, 'status', 'ACTIVE', 'seq', seq)
redis.call('ZADD', KEYS[3], seq, id)
redis.call('ZADD', KEYS[4], seq, id)
redis.call('ZADD', KEYS[5], seq, id)
redis.call('ZADD', KEYS[6], revision, revision)
return revision
`;

/**
 * Mark a job definition revision INACTIVE and take it out of the ACTIVE indexes (no change if it is already).
 * KEYS: definitionKey, activeStatusKey, inactiveStatusKey, activeRevisionsKey
 * ARGV: "name:revision", revision, deregisteredAt
 * Returns 1 when it changed, 0 when it was INACTIVE already; error NOT_FOUND when there is no such revision.
 */
export const DEREGISTER_JOB_DEFINITION = `
local fields = redis.call('HMGET', KEYS[1], 'status', 'seq')
if not fields[1] then return redis.error_reply('NOT_FOUND') end
if fields[1] == 'INACTIVE' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'INACTIVE', 'deregisteredAt', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], tonumber(fields[2]), ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[2])
return 1
`;

/**
 * Store a job's progress (beside the record: no version bump) and, at most once per `minIntervalMs` a job
 * and always for the last report (done == total), append a progress event to the events stream. Nothing
 * for a job that no longer exists (a late report after retention deleted it). The last event's time is a
 * field of the job hash, so it goes with the job.
 * KEYS: jobKey, jobPrefix, eventsKey   ARGV: progressJson, done, total, at, minIntervalMs, eventsMaxLen, id
 * Returns 1 when stored, 0 when there is no such job.
 */
export const SET_PROGRESS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'progress', ARGV[1])
local at = tonumber(ARGV[4])
local last = tonumber(redis.call('HGET', KEYS[1], 'progressEventAt') or '')
if last and at - last < tonumber(ARGV[5]) and ARGV[2] ~= ARGV[3] then return 1 end
redis.call('HSET', KEYS[1], 'progressEventAt', ARGV[4])
local own = redis.call('HMGET', KEYS[1], 'queue', 'tenant', 'array')
local queue, tenant = own[1], own[2]
if not queue then
  local parent = own[3] and redis.call('HMGET', KEYS[2] .. own[3], 'queue', 'tenant')
  queue = (parent and parent[1]) or ''
  tenant = tenant or (parent and parent[2])
end
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[6], '*', 'jobId', ARGV[7], 'queue', queue, 'tenant', tenant or 'default', 'type', 'progress', 'done', ARGV[2], 'total', ARGV[3], 'at', ARGV[4])
return 1
`;
