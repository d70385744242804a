// Writes a .npy file batch by batch into an atomic file: the row count is known only at the end, so a
// header of fixed length is written first and rewritten with the final shape before the commit.
import type { AtomicFile } from './atomic-write.ts';

/** numpy dtype strings for the tensor element types a model may output. */
const DESCR: Record<string, string> = {
  float32: '<f4',
  float16: '<f2',
  float64: '<f8',
  int8: '|i1',
  uint8: '|u1',
  int16: '<i2',
  uint16: '<u2',
  int32: '<i4',
  uint32: '<u4',
  int64: '<i8',
  uint64: '<u8',
  bool: '|b1',
};
/** Wide enough for any row count a file can hold. */
const ROW_COUNT_DIGITS = 20;
const ALIGNMENT = 64;

export function npyDescrFor(type: string): string | undefined {
  return DESCR[type];
}

export interface NpyStreamWriter {
  /** Appends whole rows, C order. */
  write(values: ArrayBufferView, rows: number): Promise<void>;
  /** Rows written so far (with those of earlier attempts this one resumed). */
  rows(): number;
  /** Patches the header with the row count written, then commits the file. */
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export async function createNpyWriter(
  file: AtomicFile,
  type: string,
  rowShape: readonly number[],
  /** Rows an earlier attempt already wrote to `file`, header included (a resumed output). */
  resumeRows?: number,
): Promise<NpyStreamWriter> {
  const descr = DESCR[type];
  if (!descr) throw new Error(`no .npy dtype for tensor type ${type}`);
  const headerLength = npyHeader(descr, '9'.repeat(ROW_COUNT_DIGITS), rowShape).length;
  if (resumeRows === undefined) await file.write(npyHeader(descr, '0', rowShape, headerLength));
  let rows = resumeRows ?? 0;
  return {
    rows: () => rows,
    async write(values, count) {
      await file.write(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      rows += count;
    },
    async commit() {
      await file.write(npyHeader(descr, String(rows), rowShape, headerLength), 0);
      await file.commit();
    },
    abort: () => file.abort(),
  };
}

/** A version 1 header, padded with spaces to `length` (or to the next multiple of 64). */
export function npyHeader(descr: string, rows: string, rowShape: readonly number[], length?: number): Buffer {
  const shape = rowShape.length === 0 ? `(${rows},)` : `(${[rows, ...rowShape].join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = 10 + dict.length + 1;
  const total = length ?? unpadded + ((ALIGNMENT - (unpadded % ALIGNMENT)) % ALIGNMENT);
  const header = Buffer.alloc(total);
  header.write('\x93NUMPY\x01\x00', 0, 'latin1');
  header.writeUInt16LE(total - 10, 8);
  header.write(`${dict}${' '.repeat(total - unpadded)}\n`, 10, 'latin1');
  return header;
}
