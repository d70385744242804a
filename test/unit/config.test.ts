import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ConfigError, loadConfig } from '../../scheduler/config.ts';
import { DEFAULT_SCORER } from '../../scheduler/core/index.ts';

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

test('PORT, GPUBATCH_DATA_DIR, REDIS_URL and GPUBATCH_TOKEN are read from the environment', (t) => {
  const config = loadConfig(
    { PORT: '9000', GPUBATCH_DATA_DIR: 'state', REDIS_URL: 'redis://r:1', GPUBATCH_TOKEN: 's3cret' },
    '/srv',
  );
  t.is(config.port, 9000);
  t.is(config.dataDir, '/srv/state');
  t.is(config.redisUrl, 'redis://r:1');
  t.is(config.token, 's3cret');
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

test('a queue may set maxRunnableSeconds, a whole number of seconds of at least 1', (t) => {
  const ok = configFile('queues: [{ name: q, maxRunnableSeconds: 3600 }]\n');
  const zero = configFile('queues: [{ name: q, maxRunnableSeconds: 0 }]\n');
  t.is(loadConfig({ GPUBATCH_CONFIG: ok }).queues[0]?.maxRunnableSeconds, 3600);
  t.is(loadConfig({}).queues[0]?.maxRunnableSeconds, undefined, 'no limit unless configured');
  t.throws(() => loadConfig({ GPUBATCH_CONFIG: zero }), { message: /queues\.0\.maxRunnableSeconds/ });
});
