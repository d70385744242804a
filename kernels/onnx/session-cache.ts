// ONNX Runtime sessions, created with execution providers tried in order (CUDA, then CPU) and cached per
// model file version, so a warm runner process pays session creation once per model.
import { stat } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { ModelError } from '../kernel-errors.ts';

export type ExecutionProvider = 'cuda' | 'cpu';

/** A model input or output: name, element type ("float32", ...) and shape (numbers fixed, strings symbolic). */
export interface TensorInfo {
  name: string;
  type: string;
  shape: (number | string)[];
}

export interface LoadedModel {
  session: ort.InferenceSession;
  /** Recorded on the attempt, e.g. "onnxruntime:cpu". */
  backend: string;
  /** Why earlier providers were not used; empty when the first one was. */
  fallbackReasons: string[];
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** ONNX Runtime intra-op threads this session runs with. */
  intraOpThreads: number;
}

export interface LoadOptions {
  /** Intra-op threads; a session is cached per thread count, as the count is fixed at creation. */
  intraOpThreads?: number;
}

/** The job's CPU share in whole threads: ceil(cpuMilli / 1000), at least 1. */
export function threadsForCpuMilli(cpuMilli: number): number {
  return Math.max(1, Math.ceil(cpuMilli / 1000));
}

/** CUDA only when the attempt was given GPUs: a CPU-only job must not take a GPU it was not placed on. */
export function providerPlan(gpuIndices: readonly number[]): {
  providers: ExecutionProvider[];
  skipped: string[];
} {
  if (gpuIndices.length === 0) {
    return { providers: ['cpu'], skipped: ['cuda: skipped, no GPU assigned to this attempt'] };
  }
  return { providers: ['cuda', 'cpu'], skipped: [] };
}

const sessions = new Map<string, Promise<LoadedModel>>();
/** Once a provider failed to load in this process it will fail again; remember why instead of retrying. */
const unavailableProviders = new Map<ExecutionProvider, string>();

/** The session for the model file as it is now; a changed file (mtime or size) gets a new session. */
export async function loadModel(
  path: string,
  gpuIndices: readonly number[],
  options: LoadOptions = {},
): Promise<LoadedModel> {
  const { mtimeMs, size } = await stat(path);
  const plan = providerPlan(gpuIndices);
  const threads = options.intraOpThreads ?? 1;
  const key = JSON.stringify([path, mtimeMs, size, plan.providers, threads]);
  let loaded = sessions.get(key);
  if (!loaded) {
    loaded = createSession(path, plan.providers, plan.skipped, threads);
    sessions.set(key, loaded);
    // A failed load is not cached: the file may be fixed or the provider may come back.
    loaded.catch(() => sessions.delete(key));
  }
  return loaded;
}

export async function releaseSessions(): Promise<void> {
  const all = [...sessions.values()];
  sessions.clear();
  for (const loaded of all) await (await loaded.catch(() => undefined))?.session.release();
}

async function createSession(
  path: string,
  providers: ExecutionProvider[],
  skipped: string[],
  intraOpThreads: number,
): Promise<LoadedModel> {
  const fallbackReasons = [...skipped];
  for (const [index, provider] of providers.entries()) {
    const knownFailure = unavailableProviders.get(provider);
    if (knownFailure) {
      fallbackReasons.push(knownFailure);
      continue;
    }
    try {
      const session = await ort.InferenceSession.create(path, {
        executionProviders: [provider],
        intraOpNumThreads: intraOpThreads,
        // One model, one batch at a time: inter-op parallelism would only compete for the same cores.
        interOpNumThreads: 1,
        executionMode: 'sequential',
      });
      return describe(session, `onnxruntime:${provider}`, fallbackReasons, intraOpThreads);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const isLast = index === providers.length - 1;
      if (isLast) throw new ModelError(`cannot load the ONNX model: ${message}`, { cause: error });
      const reason = `${provider}: ${message}`;
      if (isProviderUnavailable(message)) unavailableProviders.set(provider, reason);
      fallbackReasons.push(reason);
    }
  }
  throw new ModelError('no execution provider to try');
}

/** A missing provider library, as opposed to a model the provider rejects. */
function isProviderUnavailable(message: string): boolean {
  return /Failed to load|not supported|cannot open shared object|not available/i.test(message);
}

function describe(
  session: ort.InferenceSession,
  backend: string,
  fallbackReasons: string[],
  intraOpThreads: number,
): LoadedModel {
  const info = (metadata: readonly ort.InferenceSession.ValueMetadata[]): TensorInfo[] =>
    metadata.map((value) => ({
      name: value.name,
      type: value.isTensor ? value.type : 'non-tensor',
      shape: value.isTensor ? [...value.shape] : [],
    }));
  const inputs = info(session.inputMetadata);
  const outputs = info(session.outputMetadata);
  if (inputs.length === 0 || outputs.length === 0) {
    throw new ModelError('the model needs at least one input and one output');
  }
  return { session, backend, fallbackReasons, inputs, outputs, intraOpThreads };
}
