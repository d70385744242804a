// What `gpubatch events` prints per event: a line for people (time, job, status, reason), or the event
// as one JSON object per line (NDJSON) for programs.
import type { JobStatus } from '../scheduler/job-record.ts';
import { formatTime, percent } from './format.ts';
import type { SseEvent } from './sse.ts';
import { RESET, STATUS_COLOUR } from './watch-view.ts';

/** The fields of the API's `status` and `progress` events (docs/api.md, Events); `missed` has its own. */
export interface JobEventData {
  jobId: string;
  queue: string;
  at: number;
  status?: JobStatus;
  reason?: string;
  done?: number;
  total?: number;
}

/** The longest status (SUCCEEDED), so the reasons line up. */
const STATUS_WIDTH = 9;

/** "2025-01-01 12:00:03Z  job-1  RUNNABLE   waiting for a node"; progress: "... job-1  progress   5/10 50%". */
export function eventLine(event: SseEvent, colour: boolean): string | undefined {
  if (event.event !== 'status' && event.event !== 'progress') return undefined;
  const data = JSON.parse(event.data) as JobEventData;
  const time = formatTime(data.at);
  if (event.event === 'progress') {
    const progress = { done: data.done ?? 0, total: data.total ?? 0, at: data.at };
    const label = 'progress'.padEnd(STATUS_WIDTH);
    return `${time}  ${data.jobId}  ${label}  ${progress.done}/${progress.total} ${percent(progress)}%`;
  }
  const status = data.status ?? 'SUBMITTED';
  const padded = status.padEnd(STATUS_WIDTH);
  const shown = colour ? `${STATUS_COLOUR[status] ?? ''}${padded}${RESET}` : padded;
  return `${time}  ${data.jobId}  ${shown}  ${data.reason ?? ''}`.trimEnd();
}

/** {"id":"1700000000000-0","type":"status","jobId":...}: the stream id and event name with its data. */
export function eventJson(event: SseEvent): string {
  const data = JSON.parse(event.data) as Record<string, unknown>;
  return JSON.stringify({ ...(event.id ? { id: event.id } : {}), type: event.event, ...data });
}
