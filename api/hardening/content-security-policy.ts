// One Content-Security-Policy builder for every response: the API's default and the few pages this
// process serves (/ui, /docs, /admin/queues) start from the same strict base and state only what differs.

type Directive =
  | 'default-src'
  | 'style-src'
  | 'img-src'
  | 'object-src'
  | 'base-uri'
  | 'form-action'
  | 'frame-ancestors';

/** Same origin for everything, no plugins, no <base> rewriting, no framing. */
const BASE: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/** The base policy with `changes` applied: a directive given here replaces the base's sources for it. */
export function contentSecurityPolicy(changes: Partial<Record<Directive, readonly string[]>> = {}): string {
  return Object.entries({ ...BASE, ...changes })
    .map(([directive, sources]) => `${directive} ${sources.join(' ')}`)
    .join('; ');
}
