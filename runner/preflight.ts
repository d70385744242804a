// Cheap submit-time checks, so a job that can only fail is rejected with reasons instead of queued.
// Reads file headers and stats, never whole inputs, and creates no runtime session.
import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { FieldProblem } from '../api/errors.ts';
import type { JobSpec } from '../api/schemas/job-spec.ts';
import { parseInferenceParams } from '../kernels/onnx/inference-params.ts';
import { type ModelSummary, readModelSummary } from '../kernels/onnx/model-summary.ts';
import { getKernel, kernelNames } from '../kernels/registry.ts';
import { DataFormatError } from './io/data-format-error.ts';
import { parseJsonl } from './io/jsonl.ts';
import { matrixFileFormat, unsupportedExtensionMessage } from './io/matrix-files.ts';
import { readNpyHeader } from './io/npy.ts';
import { jobOutputFormat, secondInputPath } from './kernel-io.ts';

/** How much of a JSONL input is read to check its first row. */
const JSONL_PROBE_BYTES = 64 * 1024;

/** Every problem found, each on the field to fix ('kernel', 'model', 'input', 'output', 'params.x'). */
export async function preflight(spec: JobSpec, cwd: string): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = [];
  let model: ModelSummary | undefined;
  if (spec.kind === 'kernel') {
    problems.push(...checkKernel(spec));
  } else {
    const parsed = parseInferenceParams(spec.params);
    if (!parsed.ok) problems.push(...parsed.problems);
    const checked = await checkModel(spec, cwd);
    problems.push(...checked.problems);
    model = checked.model;
  }
  const input = await checkInput(spec.input, cwd);
  problems.push(...input.problems);
  const second = secondInputPath(spec, cwd);
  if (second) {
    const checked = await checkInput(second.path, cwd);
    problems.push(...checked.problems.map((problem) => ({ ...problem, field: `params.${second.param}` })));
  }
  problems.push(...checkOutput(spec, cwd));
  const expectedWidth = model?.inputs[0]?.shape.at(-1);
  if (input.cols !== undefined && typeof expectedWidth === 'number' && input.cols !== expectedWidth) {
    problems.push({
      field: 'input',
      message: `has ${input.cols} columns; model input "${model?.inputs[0]?.name}" expects ${expectedWidth}`,
    });
  }
  return problems;
}

function checkKernel(spec: JobSpec): FieldProblem[] {
  const kernel = getKernel(spec.kernel ?? '');
  if (!kernel) {
    return [
      { field: 'kernel', message: `unknown kernel "${spec.kernel}"; known: ${kernelNames().join(', ')}` },
    ];
  }
  const parsed = kernel.parseParams(spec.params);
  return parsed.ok ? [] : parsed.problems;
}

async function checkModel(
  spec: JobSpec,
  cwd: string,
): Promise<{ problems: FieldProblem[]; model?: ModelSummary }> {
  const path = resolve(cwd, spec.model ?? '');
  if (!(await isFile(path)))
    return { problems: [{ field: 'model', message: `file not found: ${spec.model}` }] };
  try {
    const model = await readModelSummary(path);
    return { problems: [], ...(model ? { model } : {}) };
  } catch (error) {
    return { problems: [{ field: 'model', message: (error as Error).message }] };
  }
}

async function checkInput(input: string, cwd: string): Promise<{ problems: FieldProblem[]; cols?: number }> {
  const path = resolve(cwd, input);
  const format = matrixFileFormat(path);
  if (!format) return { problems: [{ field: 'input', message: unsupportedExtensionMessage(path) }] };
  if (!(await isFile(path))) return { problems: [{ field: 'input', message: `file not found: ${input}` }] };
  try {
    if (format === 'npy') return { problems: [], cols: (await readNpyHeader(path)).cols };
    return { problems: [], ...(await probeJsonl(path, input)) };
  } catch (error) {
    const message = error instanceof DataFormatError ? error.problem : (error as Error).message;
    return { problems: [{ field: 'input', message }] };
  }
}

/** Parses the first complete line; the rest is checked by the runner. */
async function probeJsonl(path: string, name: string): Promise<{ cols?: number }> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(JSONL_PROBE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, JSONL_PROBE_BYTES, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    const complete = bytesRead < JSONL_PROBE_BYTES ? text : text.slice(0, text.lastIndexOf('\n') + 1);
    const firstLine = complete.split('\n').find((line) => line.trim() !== '');
    if (firstLine === undefined) return {};
    return { cols: parseJsonl(firstLine, name).cols };
  } finally {
    await handle.close();
  }
}

function checkOutput(spec: JobSpec, cwd: string): FieldProblem[] {
  const path = resolve(cwd, spec.output);
  const format = jobOutputFormat(spec, path);
  if ('problem' in format) return [{ field: 'output', message: format.problem }];
  if (path === resolve(cwd, spec.input)) {
    return [{ field: 'output', message: 'must not overwrite the input: a retry would read it' }];
  }
  const second = secondInputPath(spec, cwd);
  if (second?.path === path) {
    return [{ field: 'output', message: `must not overwrite params.${second.param}: a retry would read it` }];
  }
  return [];
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
