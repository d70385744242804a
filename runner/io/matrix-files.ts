// Reads and writes a matrix in the format its file extension names.
import { extname } from 'node:path';
import type { Matrix } from '../../kernels/matrix.ts';
import { readJsonl, writeJsonl } from './jsonl.ts';
import { readNpy, writeNpy } from './npy.ts';

export const SUPPORTED_EXTENSIONS = ['.npy', '.jsonl'] as const;
export type MatrixFileFormat = 'npy' | 'jsonl';

/** The format for a path, or undefined when its extension is not one we read and write. */
export function matrixFileFormat(path: string): MatrixFileFormat | undefined {
  const extension = extname(path).toLowerCase();
  if (extension === '.npy') return 'npy';
  if (extension === '.jsonl') return 'jsonl';
  return undefined;
}

export function unsupportedExtensionMessage(path: string): string {
  const extension = extname(path) || 'no extension';
  return `unsupported file type (${extension}); use ${SUPPORTED_EXTENSIONS.join(' or ')}`;
}

export async function readMatrix(path: string, format: MatrixFileFormat): Promise<Matrix> {
  return format === 'npy' ? readNpy(path) : readJsonl(path);
}

/** Writes atomically: readers see the old file or the complete new one, never part of it. */
export async function writeMatrix(path: string, format: MatrixFileFormat, matrix: Matrix): Promise<void> {
  await (format === 'npy' ? writeNpy(path, matrix) : writeJsonl(path, matrix));
}
