// ONNX Runtime sessions, created with execution providers tried in order (CUDA, then CPU) and cached per
// model file version, so a warm runner process pays session creation once per model.
import { stat } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { ModelError } from '../kernel-errors.ts';

export type ExecutionProvider = 'cuda' | 'cpu';

export interface LoadedModel {
  session: ort.InferenceSession;
  /** Recorded on the attempt, e.g. "onnxruntime:cpu". */
  backend: string;
  /** Why earlier providers were not used; empty when the first one was. */
  fallbackReasons: string[];
  inputName: string;
  outputName: string;
  /** The model's declared feature count (last input dimension), when fixed. */
  inputWidth?: number;
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
export async function loadModel(path: string, gpuIndices: readonly number[]): Promise<LoadedModel> {
  const { mtimeMs, size } = await stat(path);
  const plan = providerPlan(gpuIndices);
  const key = JSON.stringify([path, mtimeMs, size, plan.providers]);
  let loaded = sessions.get(key);
  if (!loaded) {
    loaded = createSession(path, plan.providers, plan.skipped);
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
): Promise<LoadedModel> {
  const fallbackReasons = [...skipped];
  for (const [index, provider] of providers.entries()) {
    const knownFailure = unavailableProviders.get(provider);
    if (knownFailure) {
      fallbackReasons.push(knownFailure);
      continue;
    }
    try {
      const session = await ort.InferenceSession.create(path, { executionProviders: [provider] });
      return describe(session, `onnxruntime:${provider}`, fallbackReasons);
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

function describe(session: ort.InferenceSession, backend: string, fallbackReasons: string[]): LoadedModel {
  const inputName = session.inputNames[0];
  const outputName = session.outputNames[0];
  if (inputName === undefined || outputName === undefined) {
    throw new ModelError('the model needs at least one input and one output');
  }
  if (session.inputNames.length > 1) {
    throw new ModelError(
      `the model has ${session.inputNames.length} inputs; batch inference feeds exactly one`,
    );
  }
  const input = session.inputMetadata[0];
  if (input?.isTensor && input.type !== 'float32') {
    throw new ModelError(`model input "${inputName}" is ${input.type}; batch inference feeds float32`);
  }
  const lastDim = input?.isTensor ? input.shape.at(-1) : undefined;
  return {
    session,
    backend,
    fallbackReasons,
    inputName,
    outputName,
    ...(typeof lastDim === 'number' ? { inputWidth: lastDim } : {}),
  };
}
