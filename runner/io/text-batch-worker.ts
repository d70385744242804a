// Worker thread: parses JSONL/CSV rows into typed batches ahead of the inference loop, which blocks the
// main thread during each session.run. Keeps at most AHEAD batches unconsumed (credits from the parent).
import { parentPort, workerData } from 'node:worker_threads';
import { DataFormatError } from './data-format-error.ts';
import { type TextBatchRequest, textBatches } from './text-rows.ts';

export const AHEAD = 2;

export type TextWorkerMessage =
  | { type: 'batch'; rows: number; data: ArrayBufferView }
  | { type: 'done' }
  | { type: 'error'; file?: string; problem?: string; message: string };

const port = parentPort!;
let credits = AHEAD;
let wake: (() => void) | undefined;
port.on('message', () => {
  credits++;
  wake?.();
});

async function main(request: TextBatchRequest): Promise<void> {
  try {
    const { path, format, type, start, end, batchSize } = request;
    for await (const batch of textBatches(path, format, type, start, end, batchSize)) {
      while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
      credits--;
      const message: TextWorkerMessage = { type: 'batch', rows: batch.rows, data: batch.data };
      port.postMessage(message, [batch.data.buffer as ArrayBuffer]);
    }
    port.postMessage({ type: 'done' } satisfies TextWorkerMessage);
  } catch (error) {
    const message: TextWorkerMessage =
      error instanceof DataFormatError
        ? { type: 'error', file: error.file, problem: error.problem, message: error.message }
        : { type: 'error', message: (error as Error).message };
    port.postMessage(message);
  }
  port.close();
}

await main(workerData as TextBatchRequest);
