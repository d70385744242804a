// gpubatch tokens create | ls | revoke, over /v1/admin/tokens.
import test from 'ava';
import { startApi } from '../support/api-harness.ts';
import { gpubatch } from '../support/cli-harness.ts';

test('tokens create prints the token once; --json prints the whole record with it', async (t) => {
  const api = await startApi(t);

  const plain = await gpubatch(
    ['tokens', 'create', '--role', 'submitter', '--tenant', 'team-a', '--name', 'ci'],
    {
      env: api.env,
    },
  );
  t.is(plain.code, 0, plain.stderr);
  t.regex(
    plain.stdout,
    /^id +[0-9a-f]{16}\nrole +submitter\ntenant +team-a\ntoken +gpb_[0-9a-f]{16}_\S+\n\(shown once/,
  );

  const json = await gpubatch(['tokens', 'create', '--role', 'viewer', '--tenant', 'team-b', '--json'], {
    env: api.env,
  });
  const created = JSON.parse(json.stdout);
  t.like(created, { role: 'viewer', tenant: 'team-b', name: '' });
  // The printed token works, with its role.
  t.is((await api.as(created.token).request('/v1/jobs')).status, 200);
  t.is((await api.as(created.token).request('/v1/jobs', { method: 'POST', json: {} })).status, 403);
});

test('tokens ls lists every token without secrets; tokens revoke stops one at once', async (t) => {
  const api = await startApi(t);
  const created = JSON.parse(
    (
      await gpubatch(['tokens', 'create', '--role', 'viewer', '--tenant', 'team-a', '--json'], {
        env: api.env,
      })
    ).stdout,
  );

  const revoked = await gpubatch(['tokens', 'revoke', created.id], { env: api.env });
  t.is(revoked.stdout, `${created.id} revoked\n`);
  t.is((await api.as(created.token).request('/v1/jobs')).status, 401);

  const listed = await gpubatch(['tokens', 'ls'], { env: api.env });
  t.is(listed.code, 0, listed.stderr);
  const line = listed.stdout.split('\n').find((l) => l.startsWith(created.id)) ?? '';
  t.regex(line, /viewer +team-a +\d{4}-\d\d-\d\dT\S+ +\d{4}-\d\d-\d\dT\S+/);
  t.false(listed.stdout.includes(created.token));
  const json = JSON.parse((await gpubatch(['tokens', 'ls', '--json'], { env: api.env })).stdout);
  t.true(
    json.some((token: { id: string; revokedAt?: number }) => token.id === created.id && token.revokedAt),
  );

  const again = await gpubatch(['tokens', 'revoke', 'nope'], { env: api.env });
  t.is(again.code, 2);
  t.regex(again.stderr, /no token with id "nope"/);
});

test('tokens create names a missing or wrong flag; an unknown subcommand is a usage error', async (t) => {
  const noRole = await gpubatch(['tokens', 'create', '--tenant', 'a']);
  t.is(noRole.code, 2);
  t.regex(noRole.stderr, /tokens create: --role is required/);
  const badRole = await gpubatch(['tokens', 'create', '--role', 'root', '--tenant', 'a']);
  t.regex(badRole.stderr, /--role must be one of admin, submitter, viewer; got "root"/);
  const noTenant = await gpubatch(['tokens', 'create', '--role', 'viewer']);
  t.regex(noTenant.stderr, /--tenant is required/);
  const other = await gpubatch(['tokens', 'rotate']);
  t.regex(other.stderr, /unknown subcommand "rotate"; expected create, ls or revoke/);
});
