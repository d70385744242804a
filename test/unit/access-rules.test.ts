// The one table of what each role may do over /v1 (api/access-rules.ts).
import test from 'ava';
import { requiredRole, roleAllows } from '../../api/access-rules.ts';

test('reads need a viewer, job and definition writes a submitter', (t) => {
  t.is(requiredRole('GET', '/jobs').role, 'viewer');
  t.is(requiredRole('HEAD', '/jobs/x').role, 'viewer');
  t.is(requiredRole('GET', '/queues/gpu').role, 'viewer');
  t.is(requiredRole('POST', '/jobs').role, 'submitter');
  t.is(requiredRole('POST', '/jobs/x/terminate').role, 'submitter');
  t.is(requiredRole('POST', '/jobs/x/retry-failed').role, 'submitter');
  t.is(requiredRole('DELETE', '/job-definitions/n/1').role, 'submitter');
});

test('queues, compute environments and everything under /admin need an admin', (t) => {
  t.is(requiredRole('POST', '/queues').role, 'admin');
  t.is(requiredRole('patch', '/queues/gpu').role, 'admin');
  t.is(requiredRole('PATCH', '/compute-environments/local').role, 'admin');
  t.is(requiredRole('GET', '/admin/tokens').role, 'admin');
  t.is(requiredRole('DELETE', '/admin/access-keys/K').role, 'admin');
  // A path that merely starts with the same letters is not covered.
  t.is(requiredRole('POST', '/queuesx').role, 'submitter');
});

test('roles are ordered viewer < submitter < admin', (t) => {
  t.true(roleAllows('admin', 'submitter'));
  t.true(roleAllows('submitter', 'viewer'));
  t.true(roleAllows('viewer', 'viewer'));
  t.false(roleAllows('viewer', 'submitter'));
  t.false(roleAllows('submitter', 'admin'));
});
