// The dashboard's shared live state: one events stream (GET /v1/events) for every view, and a sampler
// that reads the pools and running jobs every few seconds and keeps the last points for the charts.
import { follow, getJson } from './api.js';
import { palette } from './colors.js';
import { ACTIVE, DepthTracker, WAITING } from './depth-tracker.js';

const KEEP = 120;
const LIST_LIMIT = 1000;

export const live = {
  queues: [],
  /** Colour of a queue (or share) name, stable while the set of names is. */
  color: palette([]),
  computeEnvironments: [],
  /** STARTING and RUNNING jobs (their last attempt says where they run). */
  running: [],
  /** { t, values: { queue: waiting jobs } } */
  depth: [],
  /** { t, values: { queue: allocated GPUs }, total: GPUs } */
  allocation: [],
  sampledAt: 0,
  intervalMs: 3000,
};

const listeners = { sample: new Set(), event: new Set(), state: new Set() };

/** Subscribes to 'sample' (after each sample), 'event' (each SSE event) or 'state' (stream state). */
export function on(kind, listener) {
  listeners[kind].add(listener);
  return () => listeners[kind].delete(listener);
}

function emit(kind, ...args) {
  for (const listener of listeners[kind]) listener(...args);
}

const tracker = new DepthTracker();
let timer;
let stopStream;

async function listStatus(status) {
  const page = await getJson('/v1/jobs', { status, limit: LIST_LIMIT });
  return page.jobs;
}

async function seedDepth() {
  const pages = await Promise.all([...WAITING, ...ACTIVE].map(listStatus));
  tracker.clear();
  for (const job of pages.flat()) tracker.seed(job);
}

/** The queue names (and so their colours), known before the first sample from the sign-in check. */
export function setQueues(queues) {
  live.queues = queues;
  live.color = palette(queues);
}

/** One sample: pools, running jobs, and the depth the tracker holds now. */
export async function sample() {
  const [{ queues }, { computeEnvironments }, starting, running] = await Promise.all([
    getJson('/v1/queues'),
    getJson('/v1/compute-environments'),
    listStatus('STARTING'),
    listStatus('RUNNING'),
  ]);
  const t = Date.now();
  setQueues(queues);
  live.computeEnvironments = computeEnvironments;
  live.running = [...starting, ...running];
  const depth = tracker.counts(t);
  live.depth = [
    ...live.depth,
    { t, values: Object.fromEntries(queues.map((q) => [q, depth[q]?.waiting ?? 0])) },
  ].slice(-KEEP);
  const allocated = {};
  for (const job of live.running) {
    const placement = job.attempts?.at(-1)?.placement;
    if (!placement) continue;
    allocated[job.spec.queue] =
      (allocated[job.spec.queue] ?? 0) + (placement.gpuIndices.length * placement.gpuMilliPerGpu) / 1000;
  }
  const total = computeEnvironments.reduce((sum, ce) => sum + (ce.gpus ?? 0), 0);
  live.allocation = [...live.allocation, { t, values: allocated, total }].slice(-KEEP);
  live.sampledAt = t;
  emit('sample');
}

/** Starts the stream and the sampler (once signed in); safe to call again after a sign-in. */
export async function startLive(intervalMs) {
  stopLive();
  live.intervalMs = intervalMs;
  stopStream = follow(
    '/v1/events',
    {},
    (type, data) => {
      if (type === 'status') tracker.event(data);
      if (type === 'missed') seedDepth().catch(() => {});
      emit('event', type, data);
    },
    (state) => emit('state', state),
  );
  await seedDepth().catch(() => {});
  const tick = async () => {
    try {
      await sample();
    } catch {
      // the next tick tries again; the views keep their last data
    }
    timer = setTimeout(tick, live.intervalMs);
  };
  await tick();
}

export function stopLive() {
  clearTimeout(timer);
  stopStream?.();
  stopStream = undefined;
}
