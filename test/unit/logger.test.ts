// Structured logs: one JSON object per line with the job's fields, levels from LOG_LEVEL, a readable
// format on request, and no configured secret on any line whatever carries it.
import test from 'ava';
import {
  createLogger,
  type LoggerSettings,
  logFnOf,
  loggerSettingsFromEnv,
} from '../../scheduler/logging/logger.ts';

function capture(settings: LoggerSettings = {}) {
  const lines: string[] = [];
  const logger = createLogger({ ...settings, write: (line) => lines.push(line) });
  return { logger, log: logFnOf(logger), lines, json: () => lines.map((l) => JSON.parse(l)) };
}

test('a line about a job is JSON with jobId, attempt, queue and node as fields', (t) => {
  const { log, json } = capture({ base: { role: 'all' } });
  log('job STARTING: attempt 2 placed on node-3 (GPU 0)', {
    jobId: 'j-1',
    attempt: 2,
    queue: 'default',
    node: 'node-3',
  });
  const [line] = json();
  t.like(line, {
    level: 'info',
    role: 'all',
    jobId: 'j-1',
    attempt: 2,
    queue: 'default',
    node: 'node-3',
    msg: 'job STARTING: attempt 2 placed on node-3 (GPU 0)',
  });
  t.regex(line.time, /^\d{4}-\d\d-\d\dT/);
});

test('levels: a field picks the level, and LOG_LEVEL leaves out the less severe', (t) => {
  const { log, json } = capture({ ...loggerSettingsFromEnv({ LOG_LEVEL: 'warn' }) });
  log('routine');
  log('could not save fair-share usage', { level: 'warn' });
  log('debugging', { level: 'debug' });
  t.deepEqual(
    json().map((l) => [l.level, l.msg]),
    [['warn', 'could not save fair-share usage']],
  );
});

test('a bad LOG_LEVEL or LOG_FORMAT is refused, naming the variable', (t) => {
  t.throws(() => loggerSettingsFromEnv({ LOG_LEVEL: 'verbose' }), { message: /^LOG_LEVEL must be one of/ });
  t.throws(() => loggerSettingsFromEnv({ LOG_FORMAT: 'xml' }), { message: /^LOG_FORMAT must be one of/ });
  t.deepEqual(loggerSettingsFromEnv({}), { level: 'info', format: 'json' });
});

test('no line ever contains a configured secret: in messages, fields, errors or URLs', (t) => {
  const token = 'api-token-5f2e9c1d';
  const awsSecret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  const redisPassword = 's3cr3t-redis-pw';
  const { logger, log, lines } = capture({ secrets: [token, awsSecret, redisPassword] });
  log(`redis: redis://:${redisPassword}@redis.gpubatch:6379/0 (REDIS_URL)`);
  log(`rejected request with Bearer ${token}`, { queue: 'default' });
  log('access key', { jobId: 'j-2', note: `secret is ${awsSecret}` });
  log('config', { token, password: 'anything-at-all', aws: { secretAccessKey: 'other-key-123456' } });
  logger.error(new Error(`connect to redis://user:${redisPassword}@10.0.0.1 failed`), 'redis down');
  log('connecting to redis://admin:unlisted-password@host:6379');
  t.is(lines.length, 6);
  for (const line of lines) {
    for (const secret of [
      token,
      awsSecret,
      redisPassword,
      'anything-at-all',
      'other-key-123456',
      'unlisted-password',
    ])
      t.false(line.includes(secret), `${secret} in ${line}`);
    t.notThrows(() => JSON.parse(line));
  }
  t.true(lines[0]!.includes('redis://***@redis.gpubatch:6379/0'), 'the URL stays readable');
});

test('LOG_FORMAT=pretty writes one readable line per record', (t) => {
  const { log, lines } = capture({ format: 'pretty' });
  log('job SUCCEEDED: attempt 1 succeeded', { jobId: 'j-3', attempt: 1, queue: 'default' });
  t.regex(
    lines[0]!,
    /^\S+ INFO {2}job SUCCEEDED: attempt 1 succeeded {2}jobId=j-3 attempt=1 queue=default\n$/,
  );
});

test('an error passed as err is logged with its type, message and stack', (t) => {
  const { log, json } = capture();
  log('unexpected error answering a request', { level: 'error', err: new TypeError('x is undefined') });
  const [line] = json();
  t.like(line, { level: 'error', err: { type: 'TypeError', message: 'x is undefined' } });
  t.regex(line.err.stack, /TypeError: x is undefined\n\s+at /);
});

test('secrets made at run time are caught by their shape: bearer tokens, SigV4 signatures, secret keys', (t) => {
  const { logger, log, lines } = capture();
  log('request failed: Authorization: Bearer gpb_live_9f8e7d6c5b4a');
  log('headers', {
    request: { headers: { authorization: 'Bearer gpb_other_123456', cookie: 'session=abcdef' } },
  });
  log(
    `signed: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/batch/aws4_request, Signature=${'ab'.repeat(32)}`,
  );
  log(`created key ${JSON.stringify({ accessKeyId: 'GPBK1', secretAccessKey: 'runtime-secret-xyz' })}`);
  logger.error({ err: new Error('secretAccessKey=another-runtime-secret') }, 'boom');
  for (const secret of [
    'gpb_live_9f8e7d6c5b4a',
    'gpb_other_123456',
    'session=abcdef',
    'ab'.repeat(32),
    'runtime-secret-xyz',
    'another-runtime-secret',
  ]) {
    t.false(lines.join('\n').includes(secret), secret);
  }
  t.true(lines[0]!.includes('Bearer ***'), 'the line still says what was there');
  t.true(lines[3]!.includes('GPBK1'), 'the access key id is not a secret');
  for (const line of lines) t.notThrows(() => JSON.parse(line));
});
