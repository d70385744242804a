// ONNX Runtime sessions, created with execution providers tried in order (CUDA, then CPU) and kept in a
// bounded LRU cache keyed by model path, content hash, providers and thread count, so a warm runner process
// pays session creation once per model: the next job on the same model skips loading.
import * as ort from 'onnxruntime-node';
import { ModelError } from '../kernel-errors.ts';
import { fileDigest } from './file-digest.ts';

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

/** A model from the cache, held until released: a held session is never evicted. */
export interface ModelLease {
  model: LoadedModel;
  /** `hit`: the session was already loaded (or being loaded) in this process; `miss`: it was created. */
  cache: 'hit' | 'miss';
  /** Time to get the session: the content hash (when the file changed) plus, on a miss, session creation. */
  loadMs: number;
  /** sha256 of the model file the session was created from. */
  sha256: string;
  release(): void;
}

export interface ModelCacheLimits {
  /** Sessions kept at most (default 4). */
  maxSessions: number;
  /** Model file bytes kept at most (default 2 GiB); a session takes memory of about its file's size. */
  maxBytes: number;
}

interface CacheEntry {
  path: string;
  sha256: string;
  bytes: number;
  loaded: Promise<LoadedModel>;
  users: number;
}

/** In least-recently-used order: a hit moves its entry to the end. */
const sessions = new Map<string, CacheEntry>();
const limits: ModelCacheLimits = { maxSessions: 4, maxBytes: 2 * 1024 ** 3 };
/** Once a provider failed to load in this process it will fail again; remember why instead of retrying. */
const unavailableProviders = new Map<ExecutionProvider, string>();

export function configureModelCache(changes: Partial<ModelCacheLimits>): void {
  Object.assign(limits, changes);
}

/** What the cache holds now (for tests and metrics). */
export function modelCacheStats(): { sessions: number; bytes: number } {
  let bytes = 0;
  for (const entry of sessions.values()) bytes += entry.bytes;
  return { sessions: sessions.size, bytes };
}

/**
 * The session for the model file's current content. The key is (path, sha256, providers, threads): a
 * changed file gets a new session, a rewritten identical one keeps its session.
 */
export async function acquireModel(
  path: string,
  gpuIndices: readonly number[],
  options: LoadOptions = {},
): Promise<ModelLease> {
  const started = performance.now();
  const digest = await fileDigest(path);
  const plan = providerPlan(gpuIndices);
  const threads = options.intraOpThreads ?? 1;
  const key = JSON.stringify([path, digest.sha256, plan.providers, threads]);
  let entry = sessions.get(key);
  const cache = entry ? 'hit' : 'miss';
  if (entry) {
    sessions.delete(key);
    sessions.set(key, entry);
  } else {
    const loaded = createSession(path, plan.providers, plan.skipped, threads);
    entry = { path, sha256: digest.sha256, bytes: digest.size, loaded, users: 0 };
    sessions.set(key, entry);
    // A failed load is not cached: the file may be fixed or the provider may come back.
    loaded.catch(() => {
      if (sessions.get(key) === entry) sessions.delete(key);
    });
  }
  const held = entry;
  held.users++;
  try {
    const model = await held.loaded;
    if (cache === 'miss') evict(held);
    let released = false;
    return {
      model,
      cache,
      loadMs: performance.now() - started,
      sha256: digest.sha256,
      release: () => {
        if (!released) held.users--;
        released = true;
      },
    };
  } catch (error) {
    held.users--;
    throw error;
  }
}

/**
 * The session for the model file as it is now, pinned (never evicted) until releaseSessions(): for tests
 * and benchmarks that use a session directly. Attempts use acquireModel and release their lease.
 */
export async function loadModel(
  path: string,
  gpuIndices: readonly number[],
  options: LoadOptions = {},
): Promise<LoadedModel> {
  return (await acquireModel(path, gpuIndices, options)).model;
}

/**
 * Drops sessions nobody holds: first older versions of the model just loaded (they cannot be hit again
 * unless the file changes back), then the least recently used while over the limits.
 */
function evict(loaded: CacheEntry): void {
  for (const [key, entry] of sessions) {
    if (entry.path === loaded.path && entry.sha256 !== loaded.sha256 && entry.users === 0) drop(key, entry);
  }
  const over = () => {
    const { sessions: count, bytes } = modelCacheStats();
    return count > limits.maxSessions || bytes > limits.maxBytes;
  };
  for (const [key, entry] of sessions) {
    if (!over()) break;
    if (entry !== loaded && entry.users === 0) drop(key, entry);
  }
}

function drop(key: string, entry: CacheEntry): void {
  sessions.delete(key);
  void entry.loaded.then((model) => model.session.release()).catch(() => {});
}

export async function releaseSessions(): Promise<void> {
  const all = [...sessions.values()];
  sessions.clear();
  for (const entry of all) await (await entry.loaded.catch(() => undefined))?.session.release();
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
