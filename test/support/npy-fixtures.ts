// Hand-built .npy bytes (valid and deliberately broken) and throwaway directories for runner tests.
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import type { Matrix } from '../../kernels/matrix.ts';
import { buildMlpModel, type MlpShape } from '../../kernels/onnx/mlp-model.ts';
import { writeNpy } from '../../runner/io/npy.ts';
import { npyHeader } from '../../runner/io/npy-writer.ts';

export interface NpyBytesOptions {
  magic?: string;
  version?: 1 | 2 | 3 | 4;
  descr?: string;
  fortranOrder?: 'True' | 'False';
  shape?: string;
  values?: number[];
  /** Raw data bytes instead of `values` as float32 (for other dtypes). */
  data?: ArrayBufferView;
  /** Bytes to drop from the end of the data, to make its length wrong. */
  truncateBy?: number;
}

/** A .npy file as numpy would write it, with each part overridable. */
export function npyBytes(options: NpyBytesOptions = {}): Buffer {
  const values = options.values ?? [1, 2, 3, 4, 5, 6];
  const dict =
    `{'descr': '${options.descr ?? '<f4'}', 'fortran_order': ${options.fortranOrder ?? 'False'}, ` +
    `'shape': ${options.shape ?? '(2, 3)'}, }`;
  const version = options.version ?? 1;
  const preamble = version === 1 ? 10 : 12;
  const padding = (64 - ((preamble + dict.length + 1) % 64)) % 64;
  const headerText = Buffer.from(`${dict}${' '.repeat(padding)}\n`, 'latin1');
  const head = Buffer.alloc(preamble);
  head.write(options.magic ?? '\x93NUMPY', 0, 'latin1');
  head[6] = version;
  if (version === 1) head.writeUInt16LE(headerText.length, 8);
  else head.writeUInt32LE(headerText.length, 8);
  const data = options.data
    ? Buffer.from(options.data.buffer, options.data.byteOffset, options.data.byteLength)
    : Buffer.from(Float32Array.from(values).buffer);
  return Buffer.concat([head, headerText, data.subarray(0, data.length - (options.truncateBy ?? 0))]);
}

/** A fresh directory, removed when the test ends. */
export async function temporaryDirectory(t: ExecutionContext): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'gpubatch-runner-'));
  t.teardown(() => rm(directory, { recursive: true, force: true }));
  return directory;
}

/**
 * A large float32 `(rows, cols)` .npy written in pieces of 4,096 rows, so the writer stays small
 * whatever the file's size (for the streaming memory tests). Returns the file's size in bytes.
 */
export async function writeLargeNpy(path: string, rows: number, cols: number): Promise<number> {
  const handle = await open(path, 'w');
  try {
    const header = npyHeader('<f4', String(rows), [cols]);
    await handle.write(header);
    const rowsPerChunk = 4096;
    const chunk = new Float32Array(rowsPerChunk * cols);
    for (let row = 0; row < rows; row += rowsPerChunk) {
      const count = Math.min(rowsPerChunk, rows - row);
      for (let i = 0; i < count * cols; i++) chunk[i] = ((row * cols + i) % 1013) / 1013 - 0.5;
      await handle.write(new Uint8Array(chunk.buffer, 0, count * cols * 4));
    }
    return header.length + rows * cols * 4;
  } finally {
    await handle.close();
  }
}

/** A throwaway directory holding `features.npy` and the MLP as `mlp.onnx`: an inference job's inputs. */
export async function mlpWorkspace(t: ExecutionContext, features: Matrix, mlp: MlpShape): Promise<string> {
  const cwd = await temporaryDirectory(t);
  await writeNpy(join(cwd, 'features.npy'), features);
  await writeFile(join(cwd, 'mlp.onnx'), buildMlpModel(mlp));
  return cwd;
}
