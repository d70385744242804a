// Cheap submit-time checks, so a job that can only fail is rejected with reasons instead of queued.
// Reads file headers and stats, never whole inputs, and creates no runtime session.
import type { Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import type { FieldProblem } from '../api/errors.ts';
import type { JobSpec } from '../api/schemas/job-spec.ts';
import { parseInferenceParams } from '../kernels/onnx/inference-params.ts';
import { type ModelSummary, readModelSummary } from '../kernels/onnx/model-summary.ts';
import { getKernel, kernelNames } from '../kernels/registry.ts';
import { DataFormatError } from './io/data-format-error.ts';
import { parseJsonl } from './io/jsonl.ts';
import { matrixFileFormat, unsupportedExtensionMessage } from './io/matrix-files.ts';
import { requireFloat32Matrix } from './io/npy.ts';
import { NpyHeaderCache } from './io/npy-header-cache.ts';
import { jobOutputFormat, secondInputPath } from './kernel-io.ts';

/** Headers of the inputs seen lately, shared by every submission in this process. */
const npyHeaders = new NpyHeaderCache();

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
  const input = await checkInput(spec.input, cwd, spec.kind);
  problems.push(...input.problems);
  const second = secondInputPath(spec, cwd);
  if (second) {
    const checked = await checkInput(second.path, cwd, spec.kind);
    problems.push(...checked.problems.map((problem) => ({ ...problem, field: `params.${second.param}` })));
  }
  problems.push(...checkOutput(spec, cwd));
  if (model) problems.push(...checkNames(spec.params, model));
  const modelInput = model?.inputs[0];
  // The runner feeds .npy values as they are: no silent conversion to another dtype.
  if (input.dtype !== undefined && modelInput && input.dtype !== modelInput.type) {
    problems.push({
      field: 'input',
      message: `is ${input.dtype} but model input "${modelInput.name}" takes ${modelInput.type}`,
    });
  }
  const modelShape = model?.inputs[0]?.shape;
  const expectedWidth = modelShape?.length === 2 ? modelShape[1] : undefined;
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

/** Input and output names the job asks for must be the model's. */
function checkNames(raw: Record<string, unknown>, model: ModelSummary): FieldProblem[] {
  const parsed = parseInferenceParams(raw);
  if (!parsed.ok) return [];
  const problems: FieldProblem[] = [];
  const { inputName, outputs = [] } = parsed.params;
  if (inputName !== undefined && !model.inputs.some((input) => input.name === inputName)) {
    problems.push({
      field: 'params.inputName',
      message: `"${inputName}" is not an input of the model; it has ${model.inputs.map((i) => `"${i.name}"`).join(', ')}`,
    });
  }
  outputs.forEach((name, i) => {
    if (!model.outputs.includes(name)) {
      problems.push({
        field: `params.outputs[${i}]`,
        message: `"${name}" is not an output of the model; it has ${model.outputs.map((o) => `"${o}"`).join(', ')}`,
      });
    }
  });
  return problems;
}

async function checkInput(
  input: string,
  cwd: string,
  kind: JobSpec['kind'],
): Promise<{ problems: FieldProblem[]; cols?: number; dtype?: string }> {
  const path = resolve(cwd, input);
  // Inference streams more: any rank and dtype of .npy, and CSV (runner/inference-job.ts).
  const isCsv = kind === 'inference' && extname(path).toLowerCase() === '.csv';
  const format = isCsv ? 'csv' : matrixFileFormat(path);
  if (!format) {
    const message =
      kind === 'inference'
        ? `unsupported file type (${extname(path) || 'no extension'}); use .npy, .jsonl or .csv`
        : unsupportedExtensionMessage(path);
    return { problems: [{ field: 'input', message }] };
  }
  const stats = await fileStats(path);
  if (!stats) return { problems: [{ field: 'input', message: `file not found: ${input}` }] };
  try {
    if (format === 'npy') {
      const any = await npyHeaders.header(path, stats);
      // Kernels take float32 matrices only; inference streams any rank and dtype.
      const header = kind === 'inference' ? any : requireFloat32Matrix(any, path);
      return { problems: [], cols: header.cols, dtype: header.dtype };
    }
    if (format === 'csv') return { problems: [] };
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
  return (await fileStats(path)) !== undefined;
}

/** The stat of a regular file; undefined when there is none at `path`. */
async function fileStats(path: string): Promise<Stats | undefined> {
  try {
    const stats = await stat(path);
    return stats.isFile() ? stats : undefined;
  } catch {
    return undefined;
  }
}
