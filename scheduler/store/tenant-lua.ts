// Lua fragments for tenancy, shared by the scripts that create jobs and change their status, so a
// tenant's count of queued jobs (SUBMITTED, PENDING, RUNNABLE) moves in the same atomic step as the
// jobs themselves: the maxQueuedJobs check can then never race another submission.
//
// Which jobs count: those whose hash has a `tenant` field (every job created since tenancy; records from
// before have none and are left out of the count both ways, so it never goes negative), except array
// parents: an array counts its children (each has its own hash and status), not itself.

/** Lua: `queuedStatus(s)` is true for the statuses that count. */
export const QUEUED_STATUS = `
local function queuedStatus(s) return s == 'SUBMITTED' or s == 'PENDING' or s == 'RUNNABLE' end
`;

/**
 * Refuses (error TENANT_QUEUED_LIMIT <queued>) a creation that would take the tenant over its limit;
 * nothing is written before it. Expects locals tenantQueuedKey, tenant, maxQueued ('' for no limit), units.
 */
export const CHECK_QUEUED_LIMIT = `
if maxQueued ~= '' then
  local queued = tonumber(redis.call('HGET', tenantQueuedKey, tenant) or '0')
  if queued + units > tonumber(maxQueued) then return redis.error_reply('TENANT_QUEUED_LIMIT ' .. queued) end
end
`;

/**
 * In CAS_JOB after a status change of a job that counts: moves its tenant's count. Expects locals
 * tenantQueuedKey, jobKey, arrayStateKey (this job's array state: exists only for an array parent),
 * from, to, and QUEUED_STATUS.
 */
export const MOVE_QUEUED_COUNT = `
do
  local counted = redis.call('HGET', jobKey, 'tenant')
  local delta = (queuedStatus(to) and 1 or 0) - (queuedStatus(from) and 1 or 0)
  if counted and delta ~= 0 and redis.call('EXISTS', arrayStateKey) == 0 then
    redis.call('HINCRBY', tenantQueuedKey, counted, delta)
  end
end
`;

/** The reply code of CHECK_QUEUED_LIMIT, with the count it found. */
export const QUEUED_LIMIT_REPLY = /\bTENANT_QUEUED_LIMIT (\d+)/;
