// Every page starts from one strict policy and states only what it needs beyond it.
import test from 'ava';
import { DOCS_CSP } from '../../api/docs.ts';
import { contentSecurityPolicy } from '../../api/hardening/content-security-policy.ts';
import { CONTENT_SECURITY_POLICY } from '../../api/hardening/security-headers.ts';
import { QUEUE_BOARD_CSP } from '../../api/queue-board-route.ts';
import { UI_CONTENT_SECURITY_POLICY } from '../../api/routes/ui.ts';

/** A policy as directive → sources. */
function directives(policy: string): Record<string, string> {
  return Object.fromEntries(
    policy.split('; ').map((part) => {
      const [name, ...sources] = part.split(' ');
      return [name!, sources.join(' ')];
    }),
  );
}

test('the base policy: same origin only, no plugins, no <base>, no framing', (t) => {
  t.deepEqual(directives(contentSecurityPolicy()), {
    'default-src': "'self'",
    'object-src': "'none'",
    'base-uri': "'none'",
    'form-action': "'self'",
    'frame-ancestors': "'none'",
  });
});

test('a change replaces that directive only', (t) => {
  const policy = directives(
    contentSecurityPolicy({ 'base-uri': ["'self'"], 'img-src': ["'self'", 'data:'] }),
  );
  t.is(policy['base-uri'], "'self'");
  t.is(policy['img-src'], "'self' data:");
  t.is(policy['frame-ancestors'], "'none'");
});

test('no page allows inline or evaluated scripts, or framing', (t) => {
  for (const policy of [CONTENT_SECURITY_POLICY, DOCS_CSP, QUEUE_BOARD_CSP, UI_CONTENT_SECURITY_POLICY]) {
    const parsed = directives(policy);
    t.is(parsed['default-src'], "'self'");
    t.is(parsed['script-src'], undefined);
    t.is(parsed['frame-ancestors'], "'none'");
    t.notRegex(policy, /unsafe-eval/);
  }
  t.is(directives(QUEUE_BOARD_CSP)['style-src'], "'self' 'unsafe-inline'", 'bull-board has inline styles');
});
