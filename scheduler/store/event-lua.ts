// The Lua fragment that appends a job event to the events stream, shared by every script that changes a
// job's status, so the event is written in the same atomic step as the change (job-events.ts reads it).

/**
 * Appends one event, trimming the stream to about `eventsMax` entries (its entry id is the SSE event id).
 * Expects locals: eventsKey, eventsMax, id, queue, tenant, status, reason, at.
 */
export const APPEND_EVENT = `
redis.call('XADD', eventsKey, 'MAXLEN', '~', eventsMax, '*', 'jobId', id, 'queue', queue, 'tenant', tenant, 'status', status, 'reason', reason, 'at', tostring(at))
`;

/** Default length of the events stream: at ~100 bytes an event, about 10 MB of Redis memory. */
export const DEFAULT_EVENTS_MAX_LEN = 100_000;

/** Events as the scripts' ARGV carries them: JSON [[status, reason, at], ...] (CAS_JOB, CREATE_WITH_DEPENDENCIES). */
export function eventsArg(events: readonly { status: string; reason: string; at: number }[]): string {
  return JSON.stringify(events.map((e) => [e.status, e.reason, String(e.at)]));
}
