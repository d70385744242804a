// The one error the simulator's file formats throw: it names the file, the line and (when known) the
// column, so a user can go straight to the bad cell.
export class FormatError extends Error {
  readonly file: string;
  readonly line: number;
  /** A CSV column name or a YAML field, when the error is about one cell. */
  readonly column: string | undefined;
  /** The reason alone, without the location. */
  readonly reason: string;

  constructor(file: string, line: number, reason: string, column?: string) {
    super(`${file}:${line}: ${column === undefined ? '' : `${column}: `}${reason}`);
    this.name = 'FormatError';
    this.file = file;
    this.line = line;
    this.column = column;
    this.reason = reason;
  }
}
