// NumPy .npy files: float32 little-endian ('<f4'), C order, 1-D (one column) or 2-D; header versions 1, 2 and 3.
// Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
import { open, readFile } from 'node:fs/promises';
import { createMatrix, type Matrix } from '../../kernels/matrix.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { DataFormatError } from './data-format-error.ts';

const MAGIC = [0x93, ...Buffer.from('NUMPY')];
/** Magic (6) + version (2) + header length (2 in v1, 4 in v2/v3). */
const PREAMBLE_BYTES = 12;
/** numpy aligns the data to 64 bytes so it can be memory-mapped; we do the same. */
const ALIGNMENT = 64;
const BYTES_PER_VALUE = 4;

export interface NpyHeader {
  version: 1 | 2 | 3;
  /** The shape as written: [n] or [rows, cols]. */
  shape: number[];
  rows: number;
  cols: number;
  /** Byte offset of the first value. */
  dataOffset: number;
}

/** Validates the header and that the file size matches the shape, without reading the data. Cheap. */
export async function readNpyHeader(path: string): Promise<NpyHeader> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const preamble = Buffer.alloc(PREAMBLE_BYTES);
    const { bytesRead } = await handle.read(preamble, 0, PREAMBLE_BYTES, 0);
    const headerEnd = headerEndOffset(preamble.subarray(0, bytesRead), path);
    if (headerEnd > size) throw new DataFormatError(path, `truncated header (file has ${size} bytes)`);
    const headerBytes = Buffer.alloc(headerEnd);
    await handle.read(headerBytes, 0, headerEnd, 0);
    const header = parseNpyHeader(headerBytes, path);
    checkDataLength(header, size - header.dataOffset, path);
    return header;
  } finally {
    await handle.close();
  }
}

/** Reads the whole file as a matrix; a 1-D array becomes one column. */
export async function readNpy(path: string): Promise<Matrix> {
  const bytes = await readFile(path);
  const header = parseNpyHeader(bytes, path);
  checkDataLength(header, bytes.length - header.dataOffset, path);
  // Copy into a fresh, 4-byte aligned buffer: the file buffer's offset may not be aligned.
  // The bytes are little-endian, like every platform Node ships for here (x64, arm64).
  const data = new Float32Array(header.rows * header.cols);
  new Uint8Array(data.buffer).set(bytes.subarray(header.dataOffset));
  return createMatrix(header.rows, header.cols, data);
}

/** Parses the preamble and header dictionary at the start of `bytes`. */
export function parseNpyHeader(bytes: Uint8Array, file: string): NpyHeader {
  const headerEnd = headerEndOffset(bytes, file);
  if (bytes.length < headerEnd) throw new DataFormatError(file, 'truncated header');
  const version = bytes[6] as 1 | 2 | 3;
  const encoding = version === 3 ? 'utf8' : 'latin1';
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
    .subarray(version === 1 ? 10 : 12, headerEnd)
    .toString(encoding);

  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text)?.[1];
  if (descr === undefined) throw new DataFormatError(file, 'header has no descr (dtype)');
  if (descr !== '<f4') {
    throw new DataFormatError(
      file,
      `unsupported dtype '${descr}': only float32 little-endian ('<f4') is supported`,
    );
  }
  const fortranOrder = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1];
  if (fortranOrder === undefined) throw new DataFormatError(file, 'header has no fortran_order');
  if (fortranOrder === 'True') {
    throw new DataFormatError(file, 'fortran_order True is not supported: save the array in C order');
  }
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (shapeText === undefined) throw new DataFormatError(file, 'header has no shape');
  const shape = parseShape(shapeText, file);
  const [rows, cols = 1] = shape as [number, number?];
  return { version, shape, rows, cols, dataOffset: headerEnd };
}

/** The header and data as buffers: write them in order to get a 2-D .npy file. */
export function encodeNpy(matrix: Matrix): Uint8Array[] {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${matrix.rows}, ${matrix.cols}), }`;
  // Version 1 holds headers up to 65535 bytes, far more than this dictionary needs.
  const unpadded = 10 + dict.length + 1;
  const padding = (ALIGNMENT - (unpadded % ALIGNMENT)) % ALIGNMENT;
  const header = Buffer.alloc(unpadded + padding);
  header.set(MAGIC, 0);
  header[6] = 1;
  header[7] = 0;
  header.writeUInt16LE(header.length - 10, 8);
  header.write(`${dict}${' '.repeat(padding)}\n`, 10, 'latin1');
  const data = matrix.data;
  return [header, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)];
}

export async function writeNpy(path: string, matrix: Matrix): Promise<void> {
  await writeFileAtomic(path, encodeNpy(matrix));
}

/** Checks magic and version; returns where the header (and so the data) ends. */
function headerEndOffset(preamble: Uint8Array, file: string): number {
  if (preamble.length < 10 || MAGIC.some((byte, i) => preamble[i] !== byte)) {
    throw new DataFormatError(file, 'not a .npy file (bad magic; expected \\x93NUMPY)');
  }
  const version = preamble[6];
  const view = new DataView(preamble.buffer, preamble.byteOffset, preamble.length);
  if (version === 1) return 10 + view.getUint16(8, true);
  if (version === 2 || version === 3) {
    if (preamble.length < 12) throw new DataFormatError(file, 'truncated header');
    return 12 + view.getUint32(8, true);
  }
  throw new DataFormatError(file, `unsupported .npy format version ${version}.${preamble[7]}`);
}

function parseShape(shapeText: string, file: string): number[] {
  const parts = shapeText
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const shape = parts.map((part) => (/^\d+$/.test(part) ? Number(part) : Number.NaN));
  if (shape.some((dimension) => !Number.isSafeInteger(dimension))) {
    throw new DataFormatError(file, `malformed shape (${shapeText})`);
  }
  if (shape.length < 1 || shape.length > 2) {
    throw new DataFormatError(file, `shape (${shapeText}) has ${shape.length} dimensions; expected 1 or 2`);
  }
  return shape;
}

function checkDataLength(header: NpyHeader, dataBytes: number, file: string): void {
  const expected = header.rows * header.cols * BYTES_PER_VALUE;
  if (dataBytes !== expected) {
    throw new DataFormatError(
      file,
      `data has ${dataBytes} bytes but shape (${header.shape.join(', ')}) of float32 needs ${expected}`,
    );
  }
}
