// Streams rows of a .npy file in batches, straight into typed arrays the model can take as tensors.
// Each read goes to the libuv thread pool, so the next batch loads while the current one runs.
import { type FileHandle, open } from 'node:fs/promises';
import {
  allocateElements,
  BYTES_PER_ELEMENT,
  type ElementArray,
  type InputElementType,
} from '../../kernels/onnx/element-types.ts';
import { DataFormatError } from './data-format-error.ts';
import { inspectNpy, type NpyHeader } from './npy.ts';

export interface RowBatch {
  rows: number;
  /** rows * rowSize values, row after row. */
  data: ElementArray;
}

export interface NpyBatchReader {
  header: NpyHeader;
  dtype: InputElementType;
  /** Dimensions of one row (the shape after the first dimension). */
  rowShape: number[];
  /** Rows [start, end) in batches of at most `batchSize` rows. */
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

async function* readBatches(
  handle: FileHandle,
  header: NpyHeader,
  rowBytes: number,
  path: string,
  start: number,
  end: number,
  batchSize: number,
): AsyncGenerator<RowBatch> {
  for (let row = start; row < end; row += batchSize) {
    const rows = Math.min(batchSize, end - row);
    // A fresh buffer per batch: the previous one may still be a tensor in flight or an output being written.
    const data = allocateElements(header.dtype, rows * header.cols);
    const bytes = new Uint8Array(data.buffer, 0, rows * rowBytes);
    const position = header.dataOffset + row * rowBytes;
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, position + filled);
      // The size was checked on open; a file that shrinks under us is truncated now.
      if (bytesRead === 0) {
        throw new DataFormatError(
          path,
          `truncated: data ends inside row ${row + Math.floor(filled / rowBytes)}`,
        );
      }
      filled += bytesRead;
    }
    yield { rows, data };
  }
}
