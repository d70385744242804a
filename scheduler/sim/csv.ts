// A small RFC 4180 CSV reader and writer that keeps line numbers, so format errors can name the line.
import { FormatError } from './format-error.ts';

export interface CsvRecord {
  /** 1-based line where the record starts in the file. */
  line: number;
  /** Cell text by column name (from the header row). */
  cells: Map<string, string>;
}

export interface CsvTable {
  columns: string[];
  records: CsvRecord[];
}

interface RawRow {
  line: number;
  fields: string[];
}

/** Splits text into rows of fields; quoted fields may hold commas, quotes ("") and newlines. */
function splitRows(text: string, file: string): RawRow[] {
  const rows: RawRow[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte-order mark is not part of the first column's name
  const endRow = () => {
    fields.push(field);
    // Blank lines carry no record.
    if (fields.length > 1 || fields[0] !== '') rows.push({ line: rowLine, fields });
    fields = [];
    field = '';
  };
  for (; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        if (char === '\n') line++;
        field += char;
      }
    } else if (char === '"' && field === '') {
      quoted = true;
    } else if (char === ',') {
      fields.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else {
      field += char;
    }
  }
  if (quoted) throw new FormatError(file, rowLine, 'a quoted field is not closed');
  if (field !== '' || fields.length > 0) endRow();
  return rows;
}

/**
 * Parses CSV with a header row. Every column must be one of `known` and every `required` column must be
 * present; cells are trimmed. A row with more or fewer fields than the header is an error.
 */
export function parseCsv(
  text: string,
  file: string,
  schema: { required: readonly string[]; optional: readonly string[] },
): CsvTable {
  const [header, ...rows] = splitRows(text, file);
  if (header === undefined) throw new FormatError(file, 1, 'is empty; the first line must name the columns');
  const columns = header.fields.map((name) => name.trim());
  const known = [...schema.required, ...schema.optional];
  columns.forEach((name, index) => {
    if (!known.includes(name))
      throw new FormatError(file, header.line, `unknown column "${name}"; known: ${known.join(', ')}`);
    if (columns.indexOf(name) !== index)
      throw new FormatError(file, header.line, `column "${name}" appears twice`);
  });
  const missing = schema.required.filter((name) => !columns.includes(name));
  if (missing.length > 0)
    throw new FormatError(file, header.line, `missing column(s): ${missing.join(', ')}`);
  const records = rows.map(({ line, fields }) => {
    if (fields.length !== columns.length)
      throw new FormatError(file, line, `has ${fields.length} fields; the header has ${columns.length}`);
    return { line, cells: new Map(columns.map((name, index) => [name, fields[index]!.trim()])) };
  });
  return { columns, records };
}

/** A cell as written: quoted only when it holds a comma, a quote or a line break. */
function cell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Header plus rows, "\n" line ends, a final newline. */
export function writeCsv(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  return [columns, ...rows].map((row) => `${row.map(cell).join(',')}\n`).join('');
}
