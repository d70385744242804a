// One job attempt, start to finish: check the spec, load the input (and model), compute, commit the output.
import { resolve } from 'node:path';
import type { FieldProblem } from '../api/errors.ts';
import { enableWebGpu } from '../kernels/gpujs/gpu-instance.ts';
import type { KernelContext } from '../kernels/kernel-definition.ts';
import { InputMismatchError, ModelError } from '../kernels/kernel-errors.ts';
import type { Matrix } from '../kernels/matrix.ts';
import { ParamsMismatchError } from '../kernels/onnx/model-binding.ts';
import { getKernel, kernelNames } from '../kernels/registry.ts';
import { dataRootProblems } from './data-roots.ts';
import { AttemptInterrupted, asRunnerError, RunnerError } from './errors.ts';
import { runInferenceJob } from './inference-job.ts';
import { DataFormatError } from './io/data-format-error.ts';
import {
  type MatrixFileFormat,
  matrixFileFormat,
  readMatrix,
  unsupportedExtensionMessage,
  writeMatrix,
} from './io/matrix-files.ts';
import { jobOutputFormat, readSecondInput, secondInputPath, writeJsonReport } from './kernel-io.ts';
import type { AttemptProgress, AttemptRequest, AttemptSuccess } from './protocol.ts';

export interface AttemptHooks {
  onProgress(progress: AttemptProgress): void;
  /** Called once the engine is chosen, e.g. "gpu.js:webasm" or "onnxruntime:cpu". */
  onBackend?(backend: string): void;
  /** Cancel: stop at once and leave no output. */
  signal: AbortSignal;
  /**
   * Interrupt (SIGTERM, preemption, shutdown): stop at the next batch boundary, save a checkpoint and
   * reject with AttemptInterrupted. Kernel attempts have no checkpoint: they stop and start over.
   */
  interrupt?: AbortSignal;
  /** How often a streamed attempt saves a checkpoint while it runs (default 10 s), besides on interrupt. */
  checkpointIntervalMs?: number;
}

interface ComputeResult {
  /** A matrix, or a JSON report for kernels whose outputFormat is 'json'. */
  output: Matrix | unknown;
  /** Rows of the output matrix, or of the input a report describes. */
  rows: number;
  backend: string;
  details: Record<string, unknown>;
}

/**
 * Checked again here, on real paths, just before any file is opened: a symlink made after the submit
 * cannot lead the job outside its data roots.
 */
async function checkDataRoots(request: AttemptRequest): Promise<void> {
  const problems = await dataRootProblems(request.spec, request.cwd, request.dataRoots ?? [request.cwd]);
  if (problems.length > 0) {
    throw new RunnerError('PATH_NOT_ALLOWED', problems.map((p) => `${p.field} ${p.message}`).join('; '));
  }
}

/** Resolves with the committed output; rejects with a RunnerError, and then leaves no output behind. */
export async function runAttempt(request: AttemptRequest, hooks: AttemptHooks): Promise<AttemptSuccess> {
  try {
    await checkDataRoots(request);
    // Inference streams its input and writes its own outputs (runner/inference-job.ts).
    if (request.spec.kind === 'inference') return await runInferenceJob(request, hooks);
    const started = performance.now();
    const { spec } = request;
    const inputPath = resolve(request.cwd, spec.input);
    const outputPath = resolve(request.cwd, spec.output);
    const inputFormat = matrixFileFormat(inputPath);
    if (!inputFormat)
      throw new RunnerError(
        'INPUT_MALFORMED',
        `input ${spec.input}: ${unsupportedExtensionMessage(inputPath)}`,
      );
    const output = jobOutputFormat(spec, outputPath);
    if ('problem' in output) {
      throw new RunnerError('OUTPUT_UNSUPPORTED', `output ${spec.output}: ${output.problem}`);
    }
    if (outputPath === inputPath) {
      throw new RunnerError(
        'OUTPUT_UNSUPPORTED',
        'output must not overwrite the input: a retry would read it',
      );
    }
    const second = secondInputPath(spec, request.cwd);
    if (second?.path === outputPath) {
      throw new RunnerError(
        'OUTPUT_UNSUPPORTED',
        `output must not overwrite params.${second.param}: a retry would read it`,
      );
    }
    const context: KernelContext = {
      // A kernel cannot stop half way and keep its work, so an interrupt aborts it like a cancel.
      signal: hooks.interrupt ? AbortSignal.any([hooks.signal, hooks.interrupt]) : hooks.signal,
      onProgress: (done, total) => hooks.onProgress({ done, total }),
      onBackend: (backend) => hooks.onBackend?.(backend),
      // Only the input's row count is read after the kernel (computeKernel).
      inputDisposable: true,
    };
    const result = await computeKernel(request, inputPath, inputFormat, context);

    // A cancellation that arrives while computing must not commit an output.
    hooks.signal.throwIfAborted();
    try {
      if (output.format === 'json') await writeJsonReport(outputPath, result.output);
      else await writeMatrix(outputPath, output.format, result.output as Matrix);
    } catch (error) {
      throw new RunnerError('OUTPUT_FAILED', `cannot write ${spec.output}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return {
      backend: result.backend,
      output: outputPath,
      rows: result.rows,
      details: {
        ...result.details,
        ...(output.format === 'json' ? {} : { cols: (result.output as Matrix).cols }),
        durationMs: Math.round(performance.now() - started),
      },
    };
  } catch (error) {
    if (error instanceof AttemptInterrupted) throw error;
    // Once cancelled, whatever broke next is a consequence of the cancellation.
    if (hooks.signal.aborted)
      throw new RunnerError('CANCELLED', 'the attempt was cancelled', { cause: error });
    if (hooks.interrupt?.aborted) {
      throw new AttemptInterrupted('interrupted; a kernel attempt keeps no checkpoint and starts over');
    }
    throw classify(error);
  }
}

async function computeKernel(
  request: AttemptRequest,
  inputPath: string,
  inputFormat: MatrixFileFormat,
  context: KernelContext,
): Promise<ComputeResult> {
  const name = request.spec.kernel ?? '';
  const kernel = getKernel(name);
  if (!kernel) {
    throw new RunnerError('UNKNOWN_KERNEL', `unknown kernel "${name}"; known: ${kernelNames().join(', ')}`);
  }
  const parsed = kernel.parseParams(request.spec.params);
  if (!parsed.ok) throw badParams(parsed.problems);
  const second = secondInputPath(request.spec, request.cwd);
  const input = await readInput(request, inputPath, inputFormat);
  const secondInput = second ? await readSecondInput(second.param, second.path) : undefined;
  context.onProgress(0, input.rows);
  // WebGPU only for attempts given GPUs, as CUDA for inference: a CPU-only job must not take a GPU.
  const webGpuUnavailable = request.gpuIndices.length > 0 ? await enableWebGpu() : undefined;
  const result = await kernel.run(input, parsed.params, context, secondInput);
  const rows = kernel.outputFormat === 'json' ? input.rows : (result.output as Matrix).rows;
  return {
    output: result.output,
    rows,
    backend: result.backend,
    details: { kernel: name, ...result.details, ...(webGpuUnavailable ? { webGpuUnavailable } : {}) },
  };
}

async function readInput(request: AttemptRequest, path: string, format: MatrixFileFormat): Promise<Matrix> {
  try {
    return await readMatrix(path, format);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new RunnerError('INPUT_NOT_FOUND', `input not found: ${request.spec.input}`);
    }
    throw error;
  }
}

function badParams(problems: FieldProblem[]): RunnerError {
  return new RunnerError('BAD_PARAMS', problems.map((p) => `${p.field}: ${p.message}`).join('; '));
}

/** Kernel and I/O errors say what is wrong with the job, so none of them is worth retrying. */
function classify(error: unknown): RunnerError {
  if (error instanceof DataFormatError || error instanceof InputMismatchError) {
    return new RunnerError('INPUT_MALFORMED', error.message, { cause: error });
  }
  if (error instanceof ModelError) return new RunnerError('MODEL_INVALID', error.message, { cause: error });
  if (error instanceof ParamsMismatchError)
    return new RunnerError('BAD_PARAMS', error.message, { cause: error });
  return asRunnerError(error);
}
