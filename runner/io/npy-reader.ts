// Streams rows of a .npy file in batches, straight into typed arrays the model can take as tensors.
// Each read goes to the libuv thread pool, so the next batch loads while the current one runs.
import { type FileHandle, open } from 'node:fs/promises';
import {
  allocateElements,
  BYTES_PER_ELEMENT,
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
   * Rows [start, end) in batches of at most `batchSize` rows. A batch's buffer is reused for the batch
   * after next: the consumer must be done with it (run, copied) before asking for the one after the next.
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

async function* readBatches(
  handle: FileHandle,
  header: NpyHeader,
  rowBytes: number,
  path: string,
  start: number,
  end: number,
  batchSize: number,
): AsyncGenerator<RowBatch> {
  // Two buffers taken in turn: the batch being run and the one being read. Fresh buffers per batch would
  // leave tens of MiB of garbage between collections; these make memory flat whatever the input size.
  const ring = [0, 1].map(() =>
    allocateElements(header.dtype, Math.min(batchSize, end - start) * header.cols),
  );
  let turn = 0;
  for (let row = start; row < end; row += batchSize) {
    const rows = Math.min(batchSize, end - row);
    const buffer = ring[turn++ % 2]!;
    const data = rows * header.cols === buffer.length ? buffer : buffer.subarray(0, rows * header.cols);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, rows * rowBytes);
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
