// Where the CLI finds the server and its token: --url/--token, then GPUBATCH_URL/GPUBATCH_TOKEN, then the
// CLI config file, then (for a server on this machine) <data dir>/admin-token.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { startApi } from '../support/api-harness.ts';
import { gpubatch } from '../support/cli-harness.ts';

async function directory(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gpubatch-cli-connection-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function configFile(t: ExecutionContext, content: string): Promise<string> {
  const path = join(await directory(t), 'config.json');
  await writeFile(path, content);
  return path;
}

test('a config file named by GPUBATCH_CLI_CONFIG gives the URL and token', async (t) => {
  const api = await startApi(t);
  const config = await configFile(t, JSON.stringify({ url: api.url, token: api.token }));

  const run = await gpubatch(['queues', 'ls'], { env: { GPUBATCH_CLI_CONFIG: config } });

  t.is(run.code, 0, run.stderr);
});

test('without GPUBATCH_CLI_CONFIG the file is $XDG_CONFIG_HOME/gpubatch/config.json, else ~/.config/...', async (t) => {
  const api = await startApi(t);
  const xdg = await directory(t);
  await mkdir(join(xdg, 'gpubatch'));
  await writeFile(join(xdg, 'gpubatch', 'config.json'), JSON.stringify({ url: api.url, token: api.token }));
  const home = await directory(t);
  await mkdir(join(home, '.config', 'gpubatch'), { recursive: true });
  await writeFile(
    join(home, '.config', 'gpubatch', 'config.json'),
    JSON.stringify({ url: api.url, token: api.token }),
  );

  t.is((await gpubatch(['queues', 'ls'], { env: { XDG_CONFIG_HOME: xdg } })).code, 0);
  t.is((await gpubatch(['queues', 'ls'], { env: {}, homeDir: home })).code, 0);
});

test('flags beat the environment, which beats the config file', async (t) => {
  const api = await startApi(t);
  const viewer = await api.tokenFor('viewer');
  const config = await configFile(
    t,
    JSON.stringify({ url: 'http://elsewhere.invalid:1', token: 'gpb_x_file' }),
  );
  const env = { GPUBATCH_CLI_CONFIG: config, GPUBATCH_URL: api.url, GPUBATCH_TOKEN: viewer };

  // The environment's viewer token reads; the file's token and URL are not used.
  t.is((await gpubatch(['queues', 'ls'], { env })).code, 0);
  // --token (the admin's) beats GPUBATCH_TOKEN (a viewer's): creating a token needs an admin.
  const asViewer = await gpubatch(['tokens', 'create', '--role', 'viewer', '--tenant', 'a'], { env });
  t.is(asViewer.code, 2);
  t.regex(asViewer.stderr, /Forbidden \(403\)/);
  const asAdmin = await gpubatch(
    ['tokens', 'create', '--role', 'viewer', '--tenant', 'a', '--token', api.token],
    {
      env,
    },
  );
  t.is(asAdmin.code, 0, asAdmin.stderr);
  // --url beats GPUBATCH_URL.
  const moved = await gpubatch(['--url=http://127.0.0.1:1', 'queues', 'ls'], { env });
  t.regex(moved.stderr, /cannot reach gpubatch at http:\/\/127\.0\.0\.1:1/);
});

test('a broken config file is an error naming the file and the field', async (t) => {
  const notJson = await configFile(t, '{"url": ');
  const run = await gpubatch(['ls'], { env: { GPUBATCH_CLI_CONFIG: notJson } });
  t.is(run.code, 2);
  t.regex(run.stderr, new RegExp(`gpubatch: ${notJson} is not valid JSON`));

  const badToken = await configFile(t, JSON.stringify({ url: 'http://127.0.0.1:1', token: 42 }));
  const field = await gpubatch(['ls'], { env: { GPUBATCH_CLI_CONFIG: badToken } });
  t.is(field.stderr, `gpubatch: ${badToken}: field "token" must be a non-empty string\n`);

  const unknown = await configFile(t, JSON.stringify({ server: 'http://x' }));
  const extra = await gpubatch(['ls'], { env: { GPUBATCH_CLI_CONFIG: unknown } });
  t.is(extra.stderr, `gpubatch: ${unknown}: unknown field "server" (known: url, token)\n`);

  const badUrl = await configFile(t, JSON.stringify({ url: 'localhost 8080' }));
  const url = await gpubatch(['ls'], { env: { GPUBATCH_CLI_CONFIG: badUrl } });
  t.is(url.stderr, `gpubatch: ${badUrl}: url is not a URL: localhost 8080\n`);

  const missing = join(await directory(t), 'nope.json');
  const absent = await gpubatch(['ls'], { env: { GPUBATCH_CLI_CONFIG: missing } });
  t.regex(absent.stderr, new RegExp(`cannot read the CLI config file ${missing}`));
});

test('a missing default config file is fine; GPUBATCH_URL and GPUBATCH_TOKEN alone do not read the file', async (t) => {
  const api = await startApi(t);
  const broken = await configFile(t, 'not json');

  t.is((await gpubatch(['ls'], { env: { ...api.env, GPUBATCH_CLI_CONFIG: broken } })).code, 0);
  t.is((await gpubatch(['ls'], { env: { ...api.env, XDG_CONFIG_HOME: await directory(t) } })).code, 0);
});

test('for a server on this machine, the admin token its first start wrote to the data directory is used', async (t) => {
  const api = await startApi(t);
  const cwd = await directory(t);
  await mkdir(join(cwd, '.gpubatch'));
  await writeFile(join(cwd, '.gpubatch', 'admin-token'), `${api.token}\n`, { mode: 0o600 });

  // GPUBATCH_DATA_DIR unset ('' here, over the harness's default): ./.gpubatch as the server uses it.
  const local = await gpubatch(['tokens', 'ls'], {
    cwd,
    env: { GPUBATCH_URL: api.url, GPUBATCH_DATA_DIR: '' },
  });
  t.is(local.code, 0, local.stderr);
  t.regex(local.stdout, /^ID +ROLE +TENANT/);

  const dataDir = join(cwd, '.gpubatch');
  const named = await gpubatch(['ls'], { env: { GPUBATCH_URL: api.url, GPUBATCH_DATA_DIR: dataDir } });
  t.is(named.code, 0, named.stderr);
});

test('the data directory token is never sent to another machine; the 401 says where tokens are looked for', async (t) => {
  const cwd = await directory(t);
  await mkdir(join(cwd, '.gpubatch'));
  await writeFile(join(cwd, '.gpubatch', 'admin-token'), 'gpb_local_secret\n');
  const seen: Array<string | null> = [];
  const fetch = (async (_url: string, init?: RequestInit) => {
    seen.push(new Headers(init?.headers).get('authorization'));
    return new Response(JSON.stringify({ title: 'Unauthorized', status: 401, detail: 'send a token' }), {
      status: 401,
      headers: { 'content-type': 'application/problem+json' },
    });
  }) as typeof globalThis.fetch;

  const run = await gpubatch(['ls'], {
    cwd,
    fetch,
    env: { GPUBATCH_URL: 'https://gpubatch.example.com', GPUBATCH_DATA_DIR: '' },
  });

  t.deepEqual(seen, [null]);
  t.is(run.code, 2);
  t.regex(run.stderr, /Unauthorized \(401\): send a token/);
  t.regex(run.stderr, /no token was found\. The CLI looks for a token in: --token, GPUBATCH_TOKEN/);
  t.regex(run.stderr, /gpubatch tokens create --role <role> --tenant <tenant>/);
});

test('a refused token is named in the 401 hint with where it came from', async (t) => {
  const api = await startApi(t);
  const run = await gpubatch(['ls'], { env: { GPUBATCH_URL: api.url, GPUBATCH_TOKEN: 'gpb_x_revoked' } });
  t.is(run.code, 2);
  t.regex(run.stderr, /the token from GPUBATCH_TOKEN was refused \(unknown or revoked\)/);
});

test('--url or --token without a value is a usage error', async (t) => {
  const run = await gpubatch(['ls', '--token']);
  t.is(run.code, 2);
  t.regex(run.stderr, /--token needs a value/);
});
