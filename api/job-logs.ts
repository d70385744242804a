// Where job attempt logs come from (the Kubernetes executor: the attempt's pod log). Executors that keep
// no logs have none, and the route says so.
import type { Writable } from 'node:stream';

export interface LogOptions {
  follow: boolean;
  tailLines?: number;
}

export interface JobLogs {
  /**
   * Starts streaming the attempt's log into `out` (ending it when the log ends) and returns a function
   * that stops it. Rejects with an ApiError (e.g. NotFoundError) before anything is written.
   */
  stream(jobId: string, attempt: number, options: LogOptions, out: Writable): Promise<() => void>;
}
