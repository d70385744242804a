// Inference outputs written batch by batch into atomic files: .npy (one array) or JSONL (one line per row).
import { halfToNumber } from '../../kernels/onnx/element-types.ts';
import type { OutputField } from '../../kernels/onnx/postprocess.ts';
import { createAtomicFile } from './atomic-write.ts';
import { formatFloat32 } from './jsonl.ts';
import { createNpyWriter, type NpyStreamWriter, npyDescrFor } from './npy-writer.ts';

export interface FieldWriter {
  write(fields: OutputField[], rows: number): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** What an empty output (no rows) is written as, since no batch told us. */
export interface FieldLayout {
  type: string;
  rowShape: number[];
}

/** A .npy file holds one array: the caller checks that exactly one field is written. */
export async function createNpyFieldWriter(path: string, layout: FieldLayout): Promise<FieldWriter> {
  const file = await createAtomicFile(path);
  let writer: NpyStreamWriter | undefined;
  const open = async (field: FieldLayout) => {
    if (!npyDescrFor(field.type)) {
      throw new Error(`a ${field.type} output cannot be written as .npy; use a .jsonl output`);
    }
    writer ??= await createNpyWriter(file, field.type, field.rowShape);
    return writer;
  };
  return {
    async write([field], rows) {
      await (await open(field!)).write(field!.data as unknown as ArrayBufferView, rows);
    },
    async commit() {
      await (await open(layout)).commit();
    },
    abort: () => file.abort(),
  };
}

/**
 * One JSON value per row: a model output alone is a JSON array per line (as kernels write matrices);
 * several fields, or post-processed ones, are an object per line keyed by field name.
 */
export async function createJsonlFieldWriter(path: string, asObjects: boolean): Promise<FieldWriter> {
  const file = await createAtomicFile(path);
  return {
    async write(fields, rows) {
      const formatted = fields.map((field) => ({ field, format: formatterFor(field.type) }));
      let text = '';
      for (let r = 0; r < rows; r++) {
        const values = formatted.map(({ field, format }) => rowValue(field, r, format));
        text += asObjects
          ? `{${values.map((value, i) => `${JSON.stringify(fields[i]!.name)}:${value}`).join(',')}}\n`
          : `${values[0]}\n`;
      }
      await file.write(Buffer.from(text, 'utf8'));
    },
    commit: () => file.commit(),
    abort: () => file.abort(),
  };
}

/** Appends JSON lines built by the caller (the review output). */
export async function createLineWriter(path: string) {
  const file = await createAtomicFile(path);
  return {
    write: (lines: string[]) =>
      lines.length === 0 ? Promise.resolve() : file.write(Buffer.from(lines.join(''), 'utf8')),
    commit: () => file.commit(),
    abort: () => file.abort(),
  };
}

function rowValue(field: OutputField, row: number, format: (value: number | bigint) => string): string {
  const size = field.rowShape.reduce((a, b) => a * b, 1);
  if (field.rowShape.length === 0) return format(field.data[row]!);
  const values: string[] = new Array(size);
  for (let i = 0; i < size; i++) values[i] = format(field.data[row * size + i]!);
  return `[${values.join(',')}]`;
}

/** Shortest exact text per type; NaN and infinities become null, as JSON has neither. */
function formatterFor(type: string): (value: number | bigint) => string {
  if (type === 'float32') return (value) => formatFloat32(value as number);
  if (type === 'float16') return (value) => formatFloat32(halfToNumber(value as number));
  if (type === 'bool') return (value) => (value ? 'true' : 'false');
  return (value) =>
    typeof value === 'bigint' ? value.toString() : Number.isFinite(value) ? String(value) : 'null';
}
