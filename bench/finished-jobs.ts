// Bulk-loads finished jobs through the store's own CREATE_JOB and CAS_JOB calls (pipelined, so a million
// take seconds, not an hour), so what is measured is exactly what real finished jobs leave in Redis:
// the record (with a full lifecycle of events, an attempt and a result), its progress field, its index
// entries, its idempotency key and its finished-set entry.
import type { Redis } from 'ioredis';
import { JobSpecSchema } from '../api/schemas/job-spec.ts';
import type { JobRecord } from '../scheduler/job-record.ts';
import type { JobStore, ScriptCall } from '../scheduler/store/job-store.ts';
import { scriptLoader } from '../scheduler/store/run-script.ts';

export interface LoadOptions {
  count: number;
  /** Queues the jobs are spread over. */
  queues?: readonly string[];
  /** Jobs per pipeline. */
  chunk?: number;
  /** Each job's idempotency key (the store keeps one key per job that has one). */
  idempotencyKey?: (i: number) => string | undefined;
}

/** Creates `count` jobs and finishes them (SUCCEEDED, every third FAILED), at the store's clock. */
export async function loadFinishedJobs(
  redis: Redis,
  store: JobStore,
  options: LoadOptions,
): Promise<string[]> {
  const queues = options.queues ?? ['default'];
  const chunk = options.chunk ?? 2_000;
  const sha = scriptLoader(redis);
  const ids: string[] = [];
  for (let start = 0; start < options.count; start += chunk) {
    const pipeline = redis.pipeline();
    const end = Math.min(options.count, start + chunk);
    for (let i = start; i < end; i++) {
      const spec = JobSpecSchema.parse({
        name: `bulk-${i}`,
        queue: queues[i % queues.length],
        kind: 'kernel',
        kernel: 'standardize',
        input: `/data/in/part-${i}.npy`,
        output: `/data/out/part-${i}.npy`,
        resources: { gpuMilli: 500 },
        shareIdentifier: `team-${i % 7}`,
        idempotencyKey: options.idempotencyKey?.(i),
      });
      const submitted = store.submittedRecord(spec);
      const finished = finish(structuredClone(submitted), i % 3 === 2);
      const calls: ScriptCall[] = [store.createCall(submitted), store.casCall(finished, 'SUBMITTED', 1)];
      for (const call of calls)
        pipeline.evalsha(await sha(call.script), call.keys.length, ...call.keys, ...call.args);
      pipeline.hset(
        store.keys.job(submitted.id),
        'progress',
        JSON.stringify({ done: 1000, total: 1000, at: 0 }),
      );
      ids.push(submitted.id);
    }
    const replies = (await pipeline.exec()) ?? [];
    const failed = replies.find(([error]) => error);
    if (failed) throw failed[0];
  }
  return ids;
}

/** The record a job has after a one-attempt run, as the attempt driver leaves it. */
function finish(record: JobRecord, fail: boolean): JobRecord {
  const at = record.createdAt;
  const steps: [JobRecord['status'], string][] = [
    ['PENDING', 'no dependencies'],
    ['RUNNABLE', 'waiting for capacity'],
    ['STARTING', 'placed on node local (GPU 0)'],
    ['RUNNING', 'runner started (gpu.js:webgpu)'],
  ];
  for (const [status, reason] of steps) record.events.push({ at, status, reason });
  const outcome = fail ? 'failed' : 'succeeded';
  record.attempts.push({
    number: 1,
    placement: { node: 'local', gpuIndices: [0], gpuMilliPerGpu: 500 },
    startedAt: at,
    stoppedAt: at,
    backend: 'gpu.js:webgpu',
    outcome,
    reason: fail ? 'INPUT_MALFORMED: not a .npy file' : undefined,
    ...(fail ? { exitCode: 1 } : {}),
  });
  record.startedAt = at;
  record.stoppedAt = at;
  record.status = fail ? 'FAILED' : 'SUCCEEDED';
  record.statusReason = fail ? 'attempt 1 failed: INPUT_MALFORMED: not a .npy file' : 'Job succeeded';
  if (!fail) record.result = { backend: 'gpu.js:webgpu', output: record.spec.output, rows: 1000 };
  record.events.push({ at, status: record.status, reason: record.statusReason });
  return record;
}
