import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ConfigError, loadConfig } from '../../scheduler/config.ts';
import { DEFAULT_SCORER } from '../../scheduler/core/index.ts';
import { worstCaseTakeoverSeconds } from '../../scheduler/leader-election-config.ts';

function configFile(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'gpubatch-config-')), 'gpubatch.yaml');
  writeFileSync(path, yaml);
  return path;
}

test('with nothing set, the documented defaults apply', (t) => {
  const config = loadConfig({}, '/srv');
  t.is(config.port, 8080);
  t.is(config.dataDir, '/srv/.gpubatch');
  t.deepEqual(
    config.queues.map((q) => q.name),
    ['default'],
  );
  t.is(config.computeEnvironments[0]?.scorer, DEFAULT_SCORER);
  t.is(config.redisUrl, undefined);
});

test('PORT, GPUBATCH_DATA_DIR, REDIS_URL and GPUBATCH_ADMIN_TOKEN are read from the environment', (t) => {
  const adminToken = 'a-long-enough-admin-token-0123';
  const config = loadConfig(
    { PORT: '9000', GPUBATCH_DATA_DIR: 'state', REDIS_URL: 'redis://r:1', GPUBATCH_ADMIN_TOKEN: adminToken },
    '/srv',
  );
  t.is(config.port, 9000);
  t.is(config.dataDir, '/srv/state');
  t.is(config.redisUrl, 'redis://r:1');
  t.is(config.adminToken, adminToken);
});

test('a short GPUBATCH_ADMIN_TOKEN is refused at start-up; the old server-side GPUBATCH_TOKEN is not an admin token', (t) => {
  t.throws(() => loadConfig({ GPUBATCH_ADMIN_TOKEN: 'short' }), {
    instanceOf: ConfigError,
    message: /GPUBATCH_ADMIN_TOKEN must be at least 20 characters/,
  });
  t.is(loadConfig({ GPUBATCH_TOKEN: 'a-long-enough-admin-token-0123' }).adminToken, undefined);
});

test('/metrics needs a token unless GPUBATCH_METRICS_OPEN or the file opens it; the variable wins', (t) => {
  t.false(loadConfig({}).metricsOpen);
  t.true(loadConfig({ GPUBATCH_METRICS_OPEN: 'true' }).metricsOpen);
  const opened = configFile('auth: { metricsOpen: true }\n');
  t.true(loadConfig({ GPUBATCH_CONFIG: opened }).metricsOpen);
  t.false(loadConfig({ GPUBATCH_CONFIG: opened, GPUBATCH_METRICS_OPEN: 'false' }).metricsOpen);
  t.throws(() => loadConfig({ GPUBATCH_METRICS_OPEN: 'yes' }), {
    instanceOf: ConfigError,
    message: /GPUBATCH_METRICS_OPEN must be true or false, got "yes"/,
  });
});

test('a bad PORT is an error naming PORT', (t) => {
  t.throws(() => loadConfig({ PORT: 'eighty' }), { instanceOf: ConfigError, message: /PORT/ });
});

test('an unknown scorer is refused at start-up, naming the compute environment and the known scorers', (t) => {
  const path = configFile('computeEnvironments: [{ name: local, type: local, scorer: nonsense }]\n');
  t.throws(() => loadConfig({ GPUBATCH_CONFIG: path }), {
    instanceOf: ConfigError,
    message: /local\.scorer: unknown scorer "nonsense"; known: .*best-fit/,
  });
});

test('a queue naming a missing compute environment is refused', (t) => {
  const path = configFile('queues: [{ name: q, computeEnvironment: elsewhere }]\n');
  t.throws(() => loadConfig({ GPUBATCH_CONFIG: path }), { message: /queue q: unknown computeEnvironment/ });
});

test('a config field of the wrong type is named with its path', (t) => {
  const path = configFile('runners: { keepWarm: many }\n');
  t.throws(() => loadConfig({ GPUBATCH_CONFIG: path }), { message: /runners\.keepWarm/ });
});

test('invalid YAML in the config file is a ConfigError, not a crash', (t) => {
  const path = configFile('queues: [\n');
  t.throws(() => loadConfig({ GPUBATCH_CONFIG: path }), {
    instanceOf: ConfigError,
    message: /not valid YAML/,
  });
});

test('the role is all unless GPUBATCH_ROLE says api or scheduler; anything else is refused naming the choices', (t) => {
  t.is(loadConfig({}).role, 'all');
  t.is(loadConfig({ GPUBATCH_ROLE: 'scheduler', REDIS_URL: 'redis://r:1' }).role, 'scheduler');
  t.throws(() => loadConfig({ GPUBATCH_ROLE: 'runner' }), {
    instanceOf: ConfigError,
    message: 'role (--role or GPUBATCH_ROLE) must be one of all, api, scheduler; got "runner"',
  });
});

test('a split role needs REDIS_URL: an embedded Redis would not be shared with the other role', (t) => {
  t.throws(() => loadConfig({ GPUBATCH_ROLE: 'api' }), {
    instanceOf: ConfigError,
    message: /role api: REDIS_URL is required/,
  });
});

test('leader election defaults to the Redis lock; the Lease mode gets client-go-like timings that take over within 15 s', (t) => {
  t.deepEqual(loadConfig({}).leaderElection, { type: 'redis' });
  const path = configFile('leaderElection: { type: kubernetes-lease, namespace: gpubatch }\n');
  const lease = loadConfig({ GPUBATCH_CONFIG: path }).leaderElection;
  t.deepEqual(lease, {
    type: 'kubernetes-lease',
    leaseName: 'gpubatch-scheduler',
    namespace: 'gpubatch',
    leaseDurationSeconds: 10,
    renewDeadlineSeconds: 7,
    retryPeriodSeconds: 2,
  });
  t.true(lease.type === 'kubernetes-lease' && worstCaseTakeoverSeconds(lease) <= 15);
});

test('Lease timings where the holder could not step down before a standby takes over are refused', (t) => {
  const path = configFile(
    'leaderElection: { type: kubernetes-lease, leaseDurationSeconds: 5, renewDeadlineSeconds: 5 }\n',
  );
  t.throws(() => loadConfig({ GPUBATCH_CONFIG: path }), {
    instanceOf: ConfigError,
    message: /leaderElection\.renewDeadlineSeconds must be less than leaseDurationSeconds/,
  });
  const unknown = configFile('leaderElection: { type: zookeeper }\n');
  t.throws(() => loadConfig({ GPUBATCH_CONFIG: unknown }), { message: /leaderElection\.type/ });
});

test('a queue may set maxRunnableSeconds, a whole number of seconds of at least 1', (t) => {
  const ok = configFile('queues: [{ name: q, maxRunnableSeconds: 3600 }]\n');
  const zero = configFile('queues: [{ name: q, maxRunnableSeconds: 0 }]\n');
  t.is(loadConfig({ GPUBATCH_CONFIG: ok }).queues[0]?.maxRunnableSeconds, 3600);
  t.is(loadConfig({}).queues[0]?.maxRunnableSeconds, undefined, 'no limit unless configured');
  t.throws(() => loadConfig({ GPUBATCH_CONFIG: zero }), { message: /queues\.0\.maxRunnableSeconds/ });
});

test('finished jobs are kept 7 days unless retention.finishedJobDays says otherwise; 0 days is refused', (t) => {
  t.deepEqual(loadConfig({}, '/srv').retention, {
    finishedJobDays: 7,
    sweepIntervalSeconds: 60,
    batchSize: 500,
  });
  const half = configFile('retention: { finishedJobDays: 0.5 }\n');
  t.is(loadConfig({ GPUBATCH_CONFIG: half }).retention.finishedJobDays, 0.5);
  const zero = configFile('retention: { finishedJobDays: 0 }\n');
  t.throws(() => loadConfig({ GPUBATCH_CONFIG: zero }), { message: /retention\.finishedJobDays/ });
});

test('fairShare.budgets: GPU-hours per share over a rolling window, with * for every other share', (t) => {
  const ok = configFile(
    'fairShare: { budgets: { team-a: { gpuHours: 100, windowHours: 24 }, "*": { gpuHours: 10, windowHours: 24 } } }\n',
  );
  t.deepEqual(loadConfig({ GPUBATCH_CONFIG: ok }).fairShare.budgets, {
    'team-a': { gpuHours: 100, windowHours: 24 },
    '*': { gpuHours: 10, windowHours: 24 },
  });
  t.deepEqual(loadConfig({}).fairShare.budgets, {}, 'no budgets unless configured');
});

test('a bad budget is refused naming the share and the field', (t) => {
  const cases: [string, RegExp][] = [
    ['{ team-a: { gpuHours: 0, windowHours: 24 } }', /fairShare\.budgets\.team-a\.gpuHours: /],
    ['{ team-a: { gpuHours: 1, windowHours: 0 } }', /fairShare\.budgets\.team-a\.windowHours: /],
    ['{ team-a: { gpuHours: 1 } }', /fairShare\.budgets\.team-a\.windowHours: /],
    ['{ team-a: { gpuHours: 1, windowHours: 1, hours: 2 } }', /fairShare\.budgets\.team-a: .*hours/],
  ];
  for (const [budgets, message] of cases) {
    const path = configFile(`fairShare: { budgets: ${budgets} }\n`);
    t.throws(() => loadConfig({ GPUBATCH_CONFIG: path }), { instanceOf: ConfigError, message }, budgets);
  }
});
