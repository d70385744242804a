// Streams rows of a .npy file in batches, straight into typed arrays the model can take as tensors.
// Reads (of about 1 MiB, whole batches) go to the libuv thread pool, so the next block loads while the
// current batch runs.
import { type FileHandle, open } from 'node:fs/promises';
import {
  allocateElements,
  BYTES_PER_ELEMENT,
  type ElementArray,
  type InputElementType,
} from '../../kernels/onnx/element-types.ts';
import type { RowBatch } from '../../kernels/onnx/run-inference.ts';
import { DataFormatError } from './data-format-error.ts';
import { inspectNpy, type NpyHeader } from './npy.ts';

export interface NpyBatchReader {
  header: NpyHeader;
  dtype: InputElementType;
  /** Dimensions of one row (the shape after the first dimension). */
  rowShape: number[];
  /**
   * Rows [start, end) in batches of at most `batchSize` rows. A batch's memory is reused: the consumer
   * must be done with it (run, copied) before asking for the batch after the next.
   */
  batches(start: number, end: number, batchSize: number): AsyncGenerator<RowBatch>;
  close(): Promise<void>;
}

export async function openNpyReader(path: string): Promise<NpyBatchReader> {
  const header = await inspectNpy(path);
  const handle = await open(path, 'r');
  const rowBytes = header.cols * BYTES_PER_ELEMENT[header.dtype];
  return {
    header,
    dtype: header.dtype,
    rowShape: header.shape.slice(1),
    batches: (start, end, batchSize) => readBatches(handle, header, rowBytes, path, start, end, batchSize),
    close: () => handle.close(),
  };
}

/** Reads are at least this large, whatever the batch size: a syscall per small batch would dominate. */
export const MIN_READ_BYTES = 1 << 20;

async function* readBatches(
  handle: FileHandle,
  header: NpyHeader,
  rowBytes: number,
  path: string,
  start: number,
  end: number,
  batchSize: number,
): AsyncGenerator<RowBatch> {
  const total = end - start;
  if (total === 0) return;
  // A block is a whole number of batches, about MIN_READ_BYTES. Two block buffers are taken in turn:
  // one being consumed, one being read. Fresh buffers would leave tens of MiB of garbage between
  // collections; these keep memory flat whatever the input size.
  const batchesPerBlock = Math.max(1, Math.floor(MIN_READ_BYTES / Math.max(1, batchSize * rowBytes)));
  const blockRows = Math.min(total, batchesPerBlock * batchSize);
  const ring = [0, 1].map(() => allocateElements(header.dtype, blockRows * header.cols));
  const load = (block: number) => {
    const first = start + block * blockRows;
    const rows = Math.min(blockRows, end - first);
    const read = readRows(handle, ring[block % 2]!, header, rowBytes, path, first, rows);
    // Until awaited, a failed read must not count as an unhandled rejection.
    read.catch(() => {});
    return read;
  };
  const blocks = Math.ceil(total / blockRows);
  let next = load(0);
  for (let block = 0; block < blocks; block++) {
    const data = await next;
    const rows = Math.min(blockRows, end - (start + block * blockRows));
    for (let offset = 0; offset < rows; offset += batchSize) {
      const batchRows = Math.min(batchSize, rows - offset);
      yield {
        rows: batchRows,
        data: data.subarray(offset * header.cols, (offset + batchRows) * header.cols),
      };
      // The consumer asks for a batch only once the batch before the one it holds has run, so on the
      // first request after this block's first batch, the other buffer (the previous block) is free.
      if (offset === 0 && block + 1 < blocks) next = load(block + 1);
    }
  }
}

async function readRows(
  handle: FileHandle,
  buffer: ElementArray,
  header: NpyHeader,
  rowBytes: number,
  path: string,
  first: number,
  rows: number,
): Promise<ElementArray> {
  const data = buffer.subarray(0, rows * header.cols) as ElementArray;
  const bytes = new Uint8Array(data.buffer, data.byteOffset, rows * rowBytes);
  const position = header.dataOffset + first * rowBytes;
  let filled = 0;
  while (filled < bytes.length) {
    const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, position + filled);
    // The size was checked on open; a file that shrinks under us is truncated now.
    if (bytesRead === 0) {
      throw new DataFormatError(
        path,
        `truncated: data ends inside row ${first + Math.floor(filled / rowBytes)}`,
      );
    }
    filled += bytesRead;
  }
  return data;
}
