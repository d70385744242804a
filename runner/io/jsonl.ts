// JSON Lines matrices: one row per line, either a JSON array of numbers or an object whose `features`
// field is one. JSON has no NaN, so null stands for NaN both ways; blank lines are skipped.
import { readFile } from 'node:fs/promises';
import { createMatrix, type Matrix, rowSlice } from '../../kernels/matrix.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { DataFormatError } from './data-format-error.ts';

/** The field read from object lines; arrays are used as they are. */
export const JSONL_FEATURES_FIELD = 'features';
const ROWS_PER_WRITE = 4096;

export async function readJsonl(path: string): Promise<Matrix> {
  return parseJsonl(await readFile(path, 'utf8'), path);
}

export function parseJsonl(text: string, file: string): Matrix {
  const rows: number[][] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    if (line === '') continue;
    const row = parseJsonlRow(line, file, index + 1);
    const width = rows[0]?.length ?? row.length;
    if (row.length !== width) {
      throw new DataFormatError(
        file,
        `line ${index + 1} has ${row.length} values; earlier rows have ${width}`,
      );
    }
    rows.push(row);
  }
  const cols = rows[0]?.length ?? 0;
  const data = new Float32Array(rows.length * cols);
  rows.forEach((row, r) => {
    data.set(row, r * cols);
  });
  return createMatrix(rows.length, cols, data);
}

export async function writeJsonl(path: string, matrix: Matrix): Promise<void> {
  await writeFileAtomic(path, encodeJsonl(matrix));
}

/** The file's bytes in chunks of rows, so a large matrix never becomes one giant string. */
export function* encodeJsonl(matrix: Matrix): Generator<Uint8Array> {
  for (let start = 0; start < matrix.rows; start += ROWS_PER_WRITE) {
    const end = Math.min(matrix.rows, start + ROWS_PER_WRITE);
    let text = '';
    for (let r = start; r < end; r++) {
      text += `[${Array.from(rowSlice(matrix, r, r + 1), formatFloat32).join(',')}]\n`;
    }
    yield Buffer.from(text, 'utf8');
  }
}

/** The shortest decimal that reads back as the same float32 (0.1f prints as 0.1, not 0.10000000149011612). */
export function formatFloat32(value: number): string {
  if (!Number.isFinite(value)) return 'null';
  for (let digits = 6; digits < 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return String(candidate);
  }
  return String(Number(value.toPrecision(9)));
}

export function parseJsonlRow(line: string, file: string, lineNumber: number): number[] {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new DataFormatError(file, `line ${lineNumber} is not valid JSON`);
  }
  const row = Array.isArray(value)
    ? value
    : (value as Record<string, unknown> | null)?.[JSONL_FEATURES_FIELD];
  if (!Array.isArray(row)) {
    throw new DataFormatError(
      file,
      `line ${lineNumber} is neither an array of numbers nor an object with a "${JSONL_FEATURES_FIELD}" array`,
    );
  }
  return row.map((item, i) => {
    if (item === null) return Number.NaN;
    if (typeof item !== 'number')
      throw new DataFormatError(file, `line ${lineNumber}, value ${i + 1} is not a number`);
    return item;
  });
}
