// Rows of numbers from JSON Lines or CSV, streamed line by line and converted to the model's input type.
// Errors name the file and line. CSV: comma-separated numbers, an optional header line (a first line with
// no field that is a number), empty fields and NaN are NaN, fields may be double-quoted.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import {
  allocateElements,
  type ElementArray,
  type InputElementType,
  numberToHalf,
} from '../../kernels/onnx/element-types.ts';
import type { RowBatch } from '../../kernels/onnx/run-inference.ts';
import { DataFormatError } from './data-format-error.ts';
import { parseJsonlRow } from './jsonl.ts';
import type { TextWorkerMessage } from './text-batch-worker.ts';

export type TextFormat = 'jsonl' | 'csv';

interface TextRow {
  line: number;
  values: number[];
}

async function* textRows(path: string, format: TextFormat): AsyncGenerator<TextRow> {
  const lines = createInterface({
    input: createReadStream(path, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let lineNumber = 0;
  let width: number | undefined;
  let first = true;
  try {
    for await (const raw of lines) {
      lineNumber++;
      const line = raw.trim();
      if (line === '') continue;
      let values: number[] | undefined;
      if (format === 'jsonl') values = parseJsonlRow(line, path, lineNumber);
      else values = parseCsvLine(line, path, lineNumber, first);
      first = false;
      if (values === undefined) continue;
      width ??= values.length;
      if (values.length !== width) {
        throw new DataFormatError(
          path,
          `line ${lineNumber} has ${values.length} values; earlier rows have ${width}`,
        );
      }
      yield { line: lineNumber, values };
    }
  } finally {
    lines.close();
  }
}

/** undefined for a header line (only the first non-blank line may be one). */
function parseCsvLine(
  line: string,
  file: string,
  lineNumber: number,
  mayBeHeader: boolean,
): number[] | undefined {
  const fields = line.split(',').map((field) =>
    field
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .trim(),
  );
  const values = fields.map(parseCsvNumber);
  const bad = values.indexOf(undefined);
  if (bad === -1) return values as number[];
  // A header names every column; a first line with some numbers is data with a typo, not a header.
  if (mayBeHeader && values.every((value, i) => value === undefined && fields[i] !== '')) return undefined;
  throw new DataFormatError(file, `line ${lineNumber}, column ${bad + 1} ("${fields[bad]}") is not a number`);
}

function parseCsvNumber(field: string): number | undefined {
  if (field === '' || /^nan$/i.test(field)) return Number.NaN;
  const value = Number(field);
  return Number.isNaN(value) ? undefined : value;
}

/** Rows and values per row, read through once (also checks every line). */
export async function countTextRows(
  path: string,
  format: TextFormat,
): Promise<{ rows: number; cols: number }> {
  let rows = 0;
  let cols = 0;
  for await (const row of textRows(path, format)) {
    rows++;
    cols = row.values.length;
  }
  return { rows, cols };
}

export interface TextBatchRequest {
  path: string;
  format: TextFormat;
  type: InputElementType;
  start: number;
  end: number;
  batchSize: number;
}

/**
 * textBatches run in a worker thread, so parsing the next batches overlaps the current session.run
 * (which blocks this thread). Batches arrive as transferred buffers; errors keep their file and line.
 */
export async function* textBatchesInWorker(request: TextBatchRequest): AsyncGenerator<RowBatch> {
  const worker = new Worker(new URL('./text-batch-worker.ts', import.meta.url), { workerData: request });
  const queue: TextWorkerMessage[] = [];
  let notify: (() => void) | undefined;
  const push = (message: TextWorkerMessage) => {
    queue.push(message);
    notify?.();
  };
  worker.on('message', push);
  worker.on('error', (error: Error) => push({ type: 'error', message: error.message }));
  worker.on('exit', () => push({ type: 'error', message: 'the text parsing worker exited early' }));
  try {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((resolve) => (notify = resolve));
      const message = queue.shift()!;
      if (message.type === 'done') return;
      if (message.type === 'error') {
        if (message.file !== undefined)
          throw new DataFormatError(message.file, message.problem ?? message.message);
        throw new Error(message.message);
      }
      worker.postMessage('more');
      yield { rows: message.rows, data: message.data as RowBatch['data'] };
    }
  } finally {
    await worker.terminate();
  }
}

/** Rows [start, end) in batches of at most `batchSize`, as `type` values. */
export async function* textBatches(
  path: string,
  format: TextFormat,
  type: InputElementType,
  start: number,
  end: number,
  batchSize: number,
): AsyncGenerator<RowBatch> {
  let index = 0;
  let pending: TextRow[] = [];
  for await (const row of textRows(path, format)) {
    const at = index++;
    if (at < start) continue;
    // Stops reading: the rest of the file belongs to later shards.
    if (at >= end) break;
    pending.push(row);
    if (pending.length === batchSize) {
      yield toBatch(pending, type, path);
      pending = [];
    }
  }
  if (pending.length > 0) yield toBatch(pending, type, path);
}

function toBatch(rows: TextRow[], type: InputElementType, file: string): RowBatch {
  const cols = rows[0]?.values.length ?? 0;
  const data = allocateElements(type, rows.length * cols);
  rows.forEach((row, r) => {
    row.values.forEach((value, c) => {
      setValue(data, type, r * cols + c, value, () => `line ${row.line}, value ${c + 1} (${value})`);
    });
  });
  return { rows: rows.length, data };

  function setValue(
    target: ElementArray,
    kind: InputElementType,
    at: number,
    value: number,
    where: () => string,
  ) {
    if (kind === 'float32') (target as Float32Array)[at] = value;
    else if (kind === 'float16') (target as Uint16Array)[at] = numberToHalf(value);
    else if (kind === 'int64') {
      if (!Number.isSafeInteger(value)) throw new DataFormatError(file, `${where()} is not an int64 integer`);
      (target as BigInt64Array)[at] = BigInt(value);
    } else {
      if (!Number.isInteger(value) || value < 0 || value > 255) {
        throw new DataFormatError(file, `${where()} is not a uint8 (an integer from 0 to 255)`);
      }
      (target as Uint8Array)[at] = value;
    }
  }
}
