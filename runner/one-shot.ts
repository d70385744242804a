// The runner in a Kubernetes job pod: one attempt from the GPUBATCH_ATTEMPT environment variable (the
// AttemptRequest JSON), progress as log lines, and the result as the container's termination message
// (read by the executor from the pod's status). SIGTERM (the pod is being deleted: preemption, a node
// drain) stops the attempt after its current batch with a checkpoint, as the IPC runner does, and exits
// with EXIT_INTERRUPTED.
import { writeFileSync } from 'node:fs';
import { AttemptInterrupted, asRunnerError } from './errors.ts';
import { type AttemptReport, type AttemptRequest, EXIT_INTERRUPTED, MAX_REPORT_BYTES } from './protocol.ts';
import { runAttempt } from './run-attempt.ts';

/** Where Kubernetes reads the termination message from (the pod's terminationMessagePath). */
const REPORT_PATH = process.env.GPUBATCH_REPORT_PATH ?? '/dev/termination-log';

/** The report as JSON within the termination message limit: details go first, then message text. */
export function reportText(report: AttemptReport): string {
  let text = JSON.stringify(report);
  if (Buffer.byteLength(text) <= MAX_REPORT_BYTES) return text;
  if (report.type === 'succeeded') {
    const { details: _dropped, ...result } = report.result;
    text = JSON.stringify({ type: 'succeeded', result });
    if (Buffer.byteLength(text) <= MAX_REPORT_BYTES) return text;
    return JSON.stringify({ ...report, result: { ...result, output: result.output.slice(-1024) } });
  }
  if (report.type === 'failed') {
    const message = report.failure.message.slice(0, MAX_REPORT_BYTES / 2);
    return JSON.stringify({ type: 'failed', failure: { ...report.failure, message } });
  }
  return text; // an interrupted report is a few numbers
}

export async function runOneShot(json: string): Promise<number> {
  const request = JSON.parse(json) as AttemptRequest;
  const controller = new AbortController();
  const interrupter = new AbortController();
  const stop = () => interrupter.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  let report: AttemptReport;
  let exitCode = 0;
  try {
    const result = await runAttempt(request, {
      signal: controller.signal,
      interrupt: interrupter.signal,
      onBackend: (backend) => console.log(`gpubatch: started on ${backend}`),
      onProgress: (progress) => console.log(`gpubatch: progress ${progress.done}/${progress.total}`),
    });
    report = { type: 'succeeded', result };
  } catch (error) {
    if (error instanceof AttemptInterrupted) {
      exitCode = EXIT_INTERRUPTED;
      report = { type: 'interrupted', ...(error.checkpoint ? { checkpoint: error.checkpoint } : {}) };
    } else {
      exitCode = 1;
      report = { type: 'failed', failure: asRunnerError(error).toFailure() };
    }
  }
  writeFileSync(REPORT_PATH, reportText(report));
  console.log(`gpubatch: ${report.type}`);
  return exitCode;
}
