// Reading one cell of a simulator file as a typed value, with an error that names where it was.
import { FormatError } from './format-error.ts';

/** Where a cell is: its file, line and column (a CSV column name or a YAML field). */
export interface CellPlace {
  file: string;
  line: number;
  column: string;
}

function fail(place: CellPlace, reason: string): never {
  throw new FormatError(place.file, place.line, reason, place.column);
}

// Plain decimal notation only: "1e3", "0x10" or " 5" in a trace are more likely mistakes than intent.
const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?(\d+\.?\d*|\.\d+)$/;

export function integerCell(text: string, place: CellPlace, min: number, max = Number.MAX_SAFE_INTEGER) {
  const value = Number(text);
  if (!INTEGER.test(text) || !Number.isSafeInteger(value))
    fail(place, `expected a whole number, got ${JSON.stringify(text)}`);
  if (value < min || value > max)
    fail(place, `must be ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}..${max}`}, got ${text}`);
  return value;
}

/** A non-negative number of seconds (decimals allowed). */
export function secondsCell(text: string, place: CellPlace): number {
  const value = Number(text);
  if (!DECIMAL.test(text) || !Number.isFinite(value))
    fail(place, `expected a number of seconds, got ${JSON.stringify(text)}`);
  if (value < 0) fail(place, `must be >= 0 seconds, got ${text}`);
  return value;
}

export function requiredText(text: string, place: CellPlace): string {
  if (text === '') fail(place, 'is required');
  return text;
}

/** "zone=a;rack=r1" as { zone: 'a', rack: 'r1' }; an empty cell is no labels. */
export function labelsCell(text: string, place: CellPlace): Record<string, string> {
  const labels: Record<string, string> = {};
  if (text === '') return labels;
  for (const part of text.split(';')) {
    const equals = part.indexOf('=');
    const key = part.slice(0, equals).trim();
    if (equals < 0 || key === '')
      fail(place, `expected key=value pairs joined by ";", got ${JSON.stringify(part)}`);
    if (Object.hasOwn(labels, key)) fail(place, `label "${key}" is given twice`);
    labels[key] = part.slice(equals + 1).trim();
  }
  return labels;
}

export function writeLabels(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(';');
}
