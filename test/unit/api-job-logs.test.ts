// GET /v1/jobs/:id/logs: which attempt, what when there is none, and what without a log source.
import type { Writable } from 'node:stream';
import test from 'ava';
import type { JobLogs, LogOptions } from '../../api/job-logs.ts';
import { startApi } from '../support/api-harness.ts';
import { kernelJobSpec } from '../support/job-specs.ts';

function recordingLogs(): JobLogs & {
  asked: Array<{ jobId: string; attempt: number; options: LogOptions }>;
} {
  const asked: Array<{ jobId: string; attempt: number; options: LogOptions }> = [];
  return {
    asked,
    async stream(jobId, attempt, options, out: Writable) {
      asked.push({ jobId, attempt, options });
      out.end(`log of ${jobId} attempt ${attempt}\n`);
      return () => undefined;
    },
  };
}

const placement = { node: 'gpu-1', gpuIndices: [0], gpuMilliPerGpu: 1000 };

test('the latest attempt by default, another by number; follow and tailLines are passed on', async (t) => {
  const logs = recordingLogs();
  const api = await startApi(t, { logs });
  const { job } = await api.jobs.submit(kernelJobSpec());
  api.jobs.update(job.id, {
    status: 'RUNNING',
    attempts: [
      { number: 1, placement, startedAt: 1, stoppedAt: 2, outcome: 'failed' },
      { number: 2, placement, startedAt: 3 },
    ],
  });
  const latest = await api.request(`/v1/jobs/${job.id}/logs?follow=true&tailLines=10`);
  t.is(latest.status, 200);
  t.regex(latest.contentType, /^text\/plain/);
  t.is(latest.body, `log of ${job.id} attempt 2\n`);
  t.deepEqual(logs.asked[0]?.options, { follow: true, tailLines: 10 });
  t.is((await api.request(`/v1/jobs/${job.id}/logs?attempt=1`)).body, `log of ${job.id} attempt 1\n`);
  const missing = await api.request(`/v1/jobs/${job.id}/logs?attempt=3`);
  t.is(missing.status, 404);
  t.regex(missing.body.detail, /has 2 attempt\(s\), not 3/);
});

test('a job without attempts, an unknown job and a bad query are problems, not empty logs', async (t) => {
  const api = await startApi(t, { logs: recordingLogs() });
  const { job } = await api.jobs.submit(kernelJobSpec());
  const none = await api.request(`/v1/jobs/${job.id}/logs`);
  t.is(none.status, 404);
  t.regex(none.body.detail, /has not started an attempt yet/);
  t.is((await api.request('/v1/jobs/nope/logs')).status, 404);
  const bad = await api.request(`/v1/jobs/${job.id}/logs?follow=maybe`);
  t.is(bad.status, 400);
  t.is(bad.body.errors[0].field, 'follow');
});

test('without a log source (the local executor) the route answers 501', async (t) => {
  const api = await startApi(t);
  const { job } = await api.jobs.submit(kernelJobSpec());
  const response = await api.request(`/v1/jobs/${job.id}/logs`);
  t.is(response.status, 501);
  t.is(response.body.type, 'urn:gpubatch:problem:not-implemented');
});
