// What kernel jobs read and write beyond one matrix in and one out: a second input matrix named by a
// param (matmul's "b", cosine-topk's "corpus"), and a JSON report instead of a matrix (profile).
import { extname, resolve } from 'node:path';
import type { JobSpec } from '../api/schemas/job-spec.ts';
import type { Matrix } from '../kernels/matrix.ts';
import { getKernel } from '../kernels/registry.ts';
import { RunnerError } from './errors.ts';
import { writeFileAtomic } from './io/atomic-write.ts';
import {
  type MatrixFileFormat,
  matrixFileFormat,
  readMatrix,
  unsupportedExtensionMessage,
} from './io/matrix-files.ts';

export type OutputFormat = MatrixFileFormat | 'json';

/** The format the job's output is written in, or why its output path cannot hold it. */
export function jobOutputFormat(spec: JobSpec, path: string): { format: OutputFormat } | { problem: string } {
  const kernel = spec.kind === 'kernel' ? getKernel(spec.kernel ?? '') : undefined;
  if (kernel?.outputFormat === 'json') {
    return extname(path).toLowerCase() === '.json'
      ? { format: 'json' }
      : { problem: `kernel ${kernel.name} writes a JSON report; use a .json output` };
  }
  const format = matrixFileFormat(path);
  return format ? { format } : { problem: unsupportedExtensionMessage(path) };
}

/** The path of a kernel's second input, resolved against the job's directory; undefined if it has none. */
export function secondInputPath(spec: JobSpec, cwd: string): { param: string; path: string } | undefined {
  const param = spec.kind === 'kernel' ? getKernel(spec.kernel ?? '')?.secondInput : undefined;
  const value = param === undefined ? undefined : spec.params[param];
  if (param === undefined || typeof value !== 'string') return undefined;
  return { param, path: resolve(cwd, value) };
}

/** Reads the second input; a missing or unreadable file fails the attempt naming the param. */
export async function readSecondInput(param: string, path: string): Promise<Matrix> {
  const format = matrixFileFormat(path);
  if (!format) {
    throw new RunnerError('INPUT_MALFORMED', `params.${param}: ${unsupportedExtensionMessage(path)}`);
  }
  try {
    return await readMatrix(path, format);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new RunnerError('INPUT_NOT_FOUND', `params.${param}: input not found: ${path}`);
    }
    throw error;
  }
}

/** Writes a report atomically, pretty-printed so people can read it. */
export async function writeJsonReport(path: string, report: unknown): Promise<void> {
  await writeFileAtomic(path, [Buffer.from(`${JSON.stringify(report, null, 2)}\n`)]);
}
