// The API's limits and the data roots in the service configuration: defaults, the file, the environment.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ConfigError, dataRootsOf, loadConfig } from '../../scheduler/config.ts';

function configFile(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'gpubatch-config-')), 'gpubatch.yaml');
  writeFileSync(path, yaml);
  return path;
}

test('by default: 50 requests/s with a burst of 200 per caller, CORS off, params up to 64 KiB, JSON depth 32', (t) => {
  t.deepEqual(loadConfig({}, '/srv').api, {
    rateLimit: { requestsPerSecond: 50, burst: 200 },
    corsOrigins: [],
    maxParamsBytes: 65_536,
    maxJsonDepth: 32,
  });
});

test('the config file sets the API limits, and GPUBATCH_ variables override it', (t) => {
  const file = configFile(
    [
      'api:',
      '  rateLimit: { requestsPerSecond: 5, burst: 10 }',
      '  corsOrigins: ["https://a.example.com"]',
      '  maxParamsBytes: 4096',
      '  maxJsonDepth: 16',
    ].join('\n'),
  );
  t.like(loadConfig({ GPUBATCH_CONFIG: file }, '/srv').api, {
    rateLimit: { requestsPerSecond: 5, burst: 10 },
    corsOrigins: ['https://a.example.com'],
    maxParamsBytes: 4096,
    maxJsonDepth: 16,
  });
  const env = {
    GPUBATCH_CONFIG: file,
    GPUBATCH_RATE_LIMIT_RPS: '0',
    GPUBATCH_RATE_LIMIT_BURST: '1',
    GPUBATCH_CORS_ORIGINS: 'https://b.example.com, http://localhost:5173',
  };
  t.like(loadConfig(env, '/srv').api, {
    rateLimit: { requestsPerSecond: 0, burst: 1 },
    corsOrigins: ['https://b.example.com', 'http://localhost:5173'],
  });
});

test('bad limits are refused naming the setting', (t) => {
  t.throws(() => loadConfig({ GPUBATCH_RATE_LIMIT_RPS: 'fast' }, '/srv'), {
    instanceOf: ConfigError,
    message: 'GPUBATCH_RATE_LIMIT_RPS must be a number, got "fast"',
  });
  t.throws(() => loadConfig({ GPUBATCH_RATE_LIMIT_BURST: '0' }, '/srv'), {
    instanceOf: ConfigError,
    message: /^api\.rateLimit\.burst/,
  });
  t.throws(() => loadConfig({ GPUBATCH_CORS_ORIGINS: 'https://a.example.com/path' }, '/srv'), {
    instanceOf: ConfigError,
    message: /^api\.corsOrigins\.0 .*an origin: scheme:\/\/host\[:port\]/,
  });
});

test("a compute environment's data roots default to the working directory; relative ones resolve against it", (t) => {
  const file = configFile(
    [
      'computeEnvironments:',
      '  - { name: local, type: local, dataRoots: [data, /mnt/datasets] }',
      '  - { name: k8s, type: kubernetes, image: gpubatch:1 }',
    ].join('\n'),
  );
  const config = loadConfig({ GPUBATCH_CONFIG: file }, '/srv');
  t.deepEqual(dataRootsOf(config.computeEnvironments[0], config.cwd), ['/srv/data', '/mnt/datasets']);
  t.deepEqual(dataRootsOf(config.computeEnvironments[1], config.cwd), ['/srv']);
});

test('an empty dataRoots list is refused (it would refuse every job)', (t) => {
  const file = configFile('computeEnvironments:\n  - { name: local, type: local, dataRoots: [] }\n');
  t.throws(() => loadConfig({ GPUBATCH_CONFIG: file }, '/srv'), {
    instanceOf: ConfigError,
    message: /dataRoots/,
  });
});

test('REDIS_PASSWORD (and REDIS_USERNAME) from a Secret go into REDIS_URL, percent-encoded', (t) => {
  const env = {
    REDIS_URL: 'redis://gpubatch-redis:6379',
    REDIS_PASSWORD: 'p@ss/w:rd#1',
    REDIS_USERNAME: 'gpubatch',
  };
  const url = loadConfig(env, '/srv').redisUrl!;
  t.is(url, 'redis://gpubatch:p%40ss%2Fw%3Ard%231@gpubatch-redis:6379');
  t.is(decodeURIComponent(new URL(url).password), 'p@ss/w:rd#1');
  t.is(
    loadConfig({ REDIS_URL: 'rediss://redis:6380/2', REDIS_PASSWORD: 'x' }, '/srv').redisUrl,
    'rediss://:x@redis:6380/2',
  );
});

test('a REDIS_URL that carries its own credentials keeps them', (t) => {
  const env = { REDIS_URL: 'redis://:inline@redis:6379', REDIS_PASSWORD: 'ignored' };
  t.is(loadConfig(env, '/srv').redisUrl, 'redis://:inline@redis:6379');
});
