// NumPy .npy files, C order, header versions 1, 2 and 3. Kernels read float32 matrices (1-D or 2-D);
// inference reads any rank of float32, float16, int64 or uint8 (runner/io/npy-reader.ts streams those).
// Format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
import { open, readFile } from 'node:fs/promises';
import { createMatrix, type Matrix } from '../../kernels/matrix.ts';
import type { InputElementType } from '../../kernels/onnx/element-types.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { DataFormatError } from './data-format-error.ts';

const MAGIC = [0x93, ...Buffer.from('NUMPY')];
/** Magic (6) + version (2) + header length (2 in v1, 4 in v2/v3). */
const PREAMBLE_BYTES = 12;
/** numpy aligns the data to 64 bytes so it can be memory-mapped; we do the same. */
const ALIGNMENT = 64;

/** numpy's dtype strings for the element types we read; '|u1' and '<u1' are the same thing. */
const DTYPES: Record<string, InputElementType> = {
  '<f4': 'float32',
  '<f2': 'float16',
  '<i8': 'int64',
  '|u1': 'uint8',
  '<u1': 'uint8',
};
const ELEMENT_BYTES: Record<InputElementType, number> = { float32: 4, float16: 2, int64: 8, uint8: 1 };

export interface NpyHeader {
  version: 1 | 2 | 3;
  descr: string;
  dtype: InputElementType;
  /** The shape as written: [n], [rows, cols] or more dimensions. */
  shape: number[];
  rows: number;
  /** Values per row: the product of the dimensions after the first (1 for a 1-D array). */
  cols: number;
  /** Byte offset of the first value. */
  dataOffset: number;
}

/** A float32 matrix header (what kernels read), checked against the file size without reading the data. */
export async function readNpyHeader(path: string): Promise<NpyHeader> {
  return requireFloat32Matrix(await inspectNpy(path), path);
}

/** Any supported dtype and rank, checked against the file size without reading the data. Cheap. */
export async function inspectNpy(path: string): Promise<NpyHeader> {
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
  const header = requireFloat32Matrix(parseNpyHeader(bytes, path), path);
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
  const dtype = DTYPES[descr];
  if (dtype === undefined) {
    throw new DataFormatError(
      file,
      `unsupported dtype '${descr}': supported are '<f4' (float32), '<f2' (float16), '<i8' (int64), '|u1' (uint8), little-endian`,
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
  const [rows, ...rowShape] = shape as [number, ...number[]];
  const cols = rowShape.reduce((a, b) => a * b, 1);
  return { version, descr, dtype, shape, rows, cols, dataOffset: headerEnd };
}

/** Kernels take float32 matrices: one or two dimensions. */
export function requireFloat32Matrix(header: NpyHeader, file: string): NpyHeader {
  if (header.dtype !== 'float32') {
    throw new DataFormatError(
      file,
      `unsupported dtype '${header.descr}': only float32 little-endian ('<f4') is supported`,
    );
  }
  if (header.shape.length > 2) {
    throw new DataFormatError(
      file,
      `shape (${header.shape.join(', ')}) has ${header.shape.length} dimensions; expected 1 or 2`,
    );
  }
  return header;
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
  if (shape.length < 1) throw new DataFormatError(file, `shape (${shapeText}) is a scalar; expected rows`);
  return shape;
}

function checkDataLength(header: NpyHeader, dataBytes: number, file: string): void {
  const expected = header.rows * header.cols * ELEMENT_BYTES[header.dtype];
  if (dataBytes !== expected) {
    const problem = dataBytes < expected ? 'truncated: ' : '';
    throw new DataFormatError(
      file,
      `${problem}data has ${dataBytes} bytes but shape (${header.shape.join(', ')}) of ${header.dtype} needs ${expected}`,
    );
  }
}
