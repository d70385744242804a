// Inference outputs written batch by batch into resumable files (runner/io/atomic-write.ts): .npy (one
// array) or JSONL (one line per row). Each writer can say where it is (checkpoint) and be reopened there.
import { halfToNumber } from '../../kernels/onnx/element-types.ts';
import type { OutputField } from '../../kernels/onnx/postprocess.ts';
import type { ResumableFile } from './atomic-write.ts';
import { formatFloat32 } from './jsonl.ts';
import { createNpyWriter, type NpyStreamWriter, npyDescrFor } from './npy-writer.ts';

export interface FieldWriter {
  write(fields: OutputField[], rows: number): Promise<void>;
  /** fsyncs what was written and says how to reopen the writer exactly here. */
  checkpoint(): Promise<WriterState>;
  commit(): Promise<void>;
  /** Removes the work file. */
  abort(): Promise<void>;
  /** Closes the work file and leaves it for a later attempt. */
  leave(): Promise<void>;
}

/** Where a writer stands: the durable length of its work file, and for .npy the array written so far. */
export interface WriterState {
  bytes: number;
  npy?: { type: string; rowShape: number[]; rows: number };
}

/** What an empty output (no rows) is written as, since no batch told us. */
export interface FieldLayout {
  type: string;
  rowShape: number[];
}

/**
 * A .npy file holds one array: the caller checks that exactly one field is written. Its layout is the
 * first batch's (or `layout` when no row is written); a resumed writer continues the array in `resume`.
 */
export async function createNpyFieldWriter(
  file: ResumableFile,
  layout: FieldLayout,
  resume?: WriterState,
): Promise<FieldWriter> {
  let writer: NpyStreamWriter | undefined;
  let opened: FieldLayout | undefined;
  const open = async (field: FieldLayout, resumeRows?: number) => {
    if (!npyDescrFor(field.type)) {
      throw new Error(`a ${field.type} output cannot be written as .npy; use a .jsonl output`);
    }
    if (!writer) {
      opened = { type: field.type, rowShape: [...field.rowShape] };
      writer = await createNpyWriter(file, field.type, field.rowShape, resumeRows);
    }
    return writer;
  };
  if (resume?.npy) await open(resume.npy, resume.npy.rows);
  return {
    async write([field], rows) {
      await (await open(field!)).write(field!.data as unknown as ArrayBufferView, rows);
    },
    async checkpoint() {
      const bytes = await file.sync();
      return writer && opened ? { bytes, npy: { ...opened, rows: writer.rows() } } : { bytes };
    },
    async commit() {
      await (await open(layout)).commit();
    },
    abort: () => file.abort(),
    leave: () => file.leave(),
  };
}

/**
 * One JSON value per row: a model output alone is a JSON array per line (as kernels write matrices);
 * several fields, or post-processed ones, are an object per line keyed by field name.
 */
export function createJsonlFieldWriter(file: ResumableFile, asObjects: boolean): FieldWriter {
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
    checkpoint: async () => ({ bytes: await file.sync() }),
    commit: () => file.commit(),
    abort: () => file.abort(),
    leave: () => file.leave(),
  };
}

/** Appends JSON lines built by the caller (the review output). */
export function createLineWriter(file: ResumableFile) {
  return {
    write: (lines: string[]) =>
      lines.length === 0 ? Promise.resolve() : file.write(Buffer.from(lines.join(''), 'utf8')),
    checkpoint: async (): Promise<WriterState> => ({ bytes: await file.sync() }),
    commit: () => file.commit(),
    abort: () => file.abort(),
    leave: () => file.leave(),
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
