// Tiny kernel jobs by the thousand for the chaos tests, and reading all their records back through the API.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createMatrix } from '../../../kernels/matrix.ts';
import { writeNpy } from '../../../runner/io/npy.ts';
import type { JobRecord } from '../../../scheduler/job-record.ts';
import { type Endpoint, requestService, type ServiceReply } from '../../support/service-process.ts';

/** The one input every tiny job standardizes: 2 rows, 3 columns. */
export async function writeTinyInput(work: string): Promise<void> {
  await writeNpy(join(work, 'in.npy'), createMatrix(2, 3, Float32Array.from([1, 2, 3, 4, 6, 9])));
  mkdirSync(join(work, 'out'), { recursive: true });
}

/** A job that runs in milliseconds on a warm runner and writes out/<name>.npy. */
export function tinyJob(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    kind: 'kernel',
    kernel: 'standardize',
    input: 'in.npy',
    output: `out/${name}.npy`,
    resources: { cpuMilli: 250, memoryMiB: 64 },
    ...extra,
  };
}

/** A config for the service: this machine as a node with room for `slots` tiny jobs at once. */
export function tinyJobsConfig(slots: number, extraYaml = ''): string {
  return [
    'computeEnvironments:',
    '  - name: local',
    '    type: local',
    `    inventory: { gpus: [], cpuMilli: ${slots * 250}, memoryMiB: ${slots * 64} }`,
    `runners: { keepWarm: ${slots}, idleTimeoutSeconds: 600 }`,
    extraYaml,
  ].join('\n');
}

/** Every job record, page by page. */
export async function listAllJobs(api: Endpoint): Promise<JobRecord[]> {
  const all: JobRecord[] = [];
  let cursor: string | undefined;
  do {
    const query = `/v1/jobs?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const reply = await requestService(api, 'GET', query);
    if (reply.status !== 200)
      throw new Error(`list jobs: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
    all.push(...(reply.body.jobs as JobRecord[]));
    cursor = reply.body.nextCursor;
  } while (cursor);
  return all;
}

const FINAL = new Set(['SUCCEEDED', 'FAILED']);

/** Waits until every job in `ids` is SUCCEEDED or FAILED, and returns their records by id. */
export async function waitUntilFinished(
  api: Endpoint,
  ids: Iterable<string>,
  timeoutMs: number,
  onPoll?: (done: number, total: number) => void,
): Promise<Map<string, JobRecord>> {
  const wanted = new Set(ids);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const records = new Map((await listAllJobs(api)).map((job) => [job.id, job]));
    const done = [...wanted].filter((id) => FINAL.has(records.get(id)?.status ?? '')).length;
    onPoll?.(done, wanted.size);
    if (done === wanted.size) return records;
    if (Date.now() > deadline) {
      const stuck = [...wanted].find((id) => !FINAL.has(records.get(id)?.status ?? ''))!;
      const job = records.get(stuck);
      throw new Error(
        `${wanted.size - done} of ${wanted.size} jobs not finished; e.g. ${stuck}: ${job?.status ?? 'missing'} ${job?.statusReason ?? ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** A request that got no HTTP answer at all (the service is gone): status 0, which no scenario accepts. */
export function noAnswer(error: Error): ServiceReply {
  return { status: 0, headers: new Headers(), body: { error: error.message } };
}
