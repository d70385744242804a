// The one-shot runner's report must fit the 4 KiB termination message and stay parseable.
import test from 'ava';
import { reportText } from '../../runner/one-shot.ts';
import { MAX_REPORT_BYTES } from '../../runner/protocol.ts';
import { parseReport } from '../../scheduler/executors/kubernetes/pod-outcome.ts';

test('a small report is sent whole', (t) => {
  const report = {
    type: 'succeeded' as const,
    result: { backend: 'b', output: '/o', rows: 3, details: { a: 1 } },
  };
  t.deepEqual(JSON.parse(reportText(report)), report);
});

test('large details are dropped, a long failure message is cut: always within the limit, always a report', (t) => {
  const big = {
    type: 'succeeded' as const,
    result: { backend: 'b', output: '/o', rows: 3, details: { x: 'y'.repeat(10_000) } },
  };
  const text = reportText(big);
  t.true(Buffer.byteLength(text) <= MAX_REPORT_BYTES);
  t.deepEqual(parseReport(text), { type: 'succeeded', result: { backend: 'b', output: '/o', rows: 3 } });
  const failed = {
    type: 'failed' as const,
    failure: { code: 'INTERNAL', message: 'z'.repeat(10_000), retryable: true },
  };
  const failedText = reportText(failed);
  t.true(Buffer.byteLength(failedText) <= MAX_REPORT_BYTES);
  t.like(parseReport(failedText), { type: 'failed', failure: { code: 'INTERNAL', retryable: true } });
});
