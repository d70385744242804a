// The AWS-compatible endpoint answers a Redis outage as AWS does an outage: a ServerException with 503,
// which the AWS SDKs retry by themselves, and Retry-After; a bug stays a 500.
import test from 'ava';
import express from 'express';
import { awsErrorHandler } from '../../api/aws/errors.ts';
import { serve } from '../support/http-server.ts';

async function failingWith(error: Error) {
  const app = express();
  app.post('/v1/submitjob', () => {
    throw error;
  });
  app.use(awsErrorHandler(() => {}));
  const server = await serve(app);
  try {
    const response = await fetch(`${server.url}/v1/submitjob`, { method: 'POST' });
    return { status: response.status, headers: response.headers, body: await response.json() };
  } finally {
    await server.close();
  }
}

test('a Redis command timeout is a 503 ServerException with Retry-After', async (t) => {
  const reply = await failingWith(new Error('Command timed out'));
  t.is(reply.status, 503);
  t.is(reply.headers.get('x-amzn-errortype'), 'ServerException');
  t.is(reply.headers.get('retry-after'), '5');
  t.is(reply.body.message, 'the job store (Redis) is unavailable: Command timed out');
});

test('an unexpected error is still a 500 without Retry-After', async (t) => {
  const reply = await failingWith(new Error('boom'));
  t.is(reply.status, 500);
  t.is(reply.headers.get('retry-after'), null);
});
