// The retry strategy in a job spec: AWS Batch's attempts and evaluateOnExit, plus backoff; bad input names the field.
import test from 'ava';
import { aJobSpec } from '../support/api-builders.ts';
import { startApi } from '../support/api-harness.ts';

const rule = { onExitCode: '3', action: 'EXIT' };

async function submitRetry(t: Parameters<typeof startApi>[0], retry: unknown) {
  const api = await startApi(t);
  const response = await api.request('/v1/jobs', { method: 'POST', json: aJobSpec({ retry }) });
  return { api, response, fields: (response.body.errors ?? []).map((e: { field: string }) => e.field) };
}

test('a valid strategy is accepted, with backoff defaults filled in and rule order kept', async (t) => {
  const { api, response } = await submitRetry(t, {
    attempts: 4,
    evaluateOnExit: [rule, { onReason: 'OOM*', onStatusReason: '*memory*', action: 'retry' }],
    backoff: { initialSeconds: 5 },
  });
  t.is(response.status, 201);
  t.deepEqual(api.jobs.submitted[0]?.retry, {
    attempts: 4,
    evaluateOnExit: [rule, { onReason: 'OOM*', onStatusReason: '*memory*', action: 'retry' }],
    backoff: { initialSeconds: 5, factor: 2, maxSeconds: 3600, jitter: 0.2 },
  });
});

test('the old shape {attempts} still means what it did', async (t) => {
  const { api, response } = await submitRetry(t, { attempts: 2 });
  t.is(response.status, 201);
  t.deepEqual(api.jobs.submitted[0]?.retry, { attempts: 2 });
});

test('six evaluateOnExit rules are a 400 naming retry.evaluateOnExit (AWS allows 5)', async (t) => {
  const { response, fields } = await submitRetry(t, { attempts: 2, evaluateOnExit: Array(6).fill(rule) });
  t.is(response.status, 400);
  t.deepEqual(fields, ['retry.evaluateOnExit']);
  t.regex(response.body.detail, /^retry\.evaluateOnExit: .*5/);
});

test('attempts outside 1..10 are a 400 naming retry.attempts', async (t) => {
  const { response, fields } = await submitRetry(t, { attempts: 11 });
  t.is(response.status, 400);
  t.deepEqual(fields, ['retry.attempts']);
});

test('an exit-code pattern with anything but digits and "*" names the rule and field', async (t) => {
  const { response, fields } = await submitRetry(t, {
    evaluateOnExit: [rule, { onExitCode: 'three', action: 'EXIT' }],
  });
  t.is(response.status, 400);
  t.deepEqual(fields, ['retry.evaluateOnExit[1].onExitCode']);
});

test('a rule without a condition, an unknown action or an unknown key is a 400 naming it', async (t) => {
  const noCondition = await submitRetry(t, { evaluateOnExit: [{ action: 'EXIT' }] });
  const badAction = await submitRetry(t, { evaluateOnExit: [{ onExitCode: '1', action: 'STOP' }] });
  const typo = await submitRetry(t, { evaluateOnExit: [{ onExitcode: '1', action: 'EXIT' }] });
  t.deepEqual(noCondition.fields, ['retry.evaluateOnExit[0]']);
  t.regex(noCondition.response.body.detail, /at least one of onExitCode, onReason, onStatusReason/);
  t.deepEqual(badAction.fields, ['retry.evaluateOnExit[0].action']);
  t.is(typo.response.status, 400);
  t.regex(typo.response.body.detail, /onExitcode/);
});

test('a backoff whose maxSeconds is below initialSeconds names retry.backoff.maxSeconds', async (t) => {
  const { response, fields } = await submitRetry(t, { backoff: { initialSeconds: 60, maxSeconds: 10 } });
  t.is(response.status, 400);
  t.deepEqual(fields, ['retry.backoff.maxSeconds']);
});

test('a backoff jitter above 1 names retry.backoff.jitter', async (t) => {
  const { fields } = await submitRetry(t, { backoff: { initialSeconds: 1, jitter: 2 } });
  t.deepEqual(fields, ['retry.backoff.jitter']);
});
