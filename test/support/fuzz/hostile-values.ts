// fast-check arbitraries for hostile input: strings that attack paths, keys and parsers, numbers at the
// edges, prototype-pollution keys, deep and wide JSON. Pure generators; requests are built in requests.ts.
import fc from 'fast-check';

/** Marker a successful prototype pollution would leave on Object.prototype (the test looks for it). */
export const POLLUTION_MARKER = 'fuzzPolluted';

export const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'constructor.prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
];

const TRAVERSAL = [
  '..',
  '../..',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%2e%2e%2f%2e%2e%2f',
  '..%2f..%2fetc%2fpasswd',
  '%252e%252e%252f',
  '/etc/passwd',
  '/proc/self/environ',
  'C:\\Windows\\System32',
  'file:///etc/passwd',
  '\\\\server\\share',
  'a/../../b',
  './.',
  '~',
  '~root/.ssh/id_rsa',
];

const PARSER_ATTACKS = [
  '',
  ' ',
  '\u0000',
  '%00',
  'a\u0000b',
  '\r\nX-Injected: 1',
  '%0d%0aSet-Cookie:%20x=1',
  '%',
  '%E0%A4%A',
  '%uD800',
  '\uD800',
  '\uFEFF',
  '\u202Eevil',
  '\u200B',
  'ﷺ',
  '𝕳𝖊𝖑𝖑𝖔',
  '👩‍👩‍👧‍👦',
  'Ω≈ç√∫˜µ≤≥÷',
  '<script>alert(1)</script>',
  "'; DROP TABLE jobs; --",
  "redis.call('FLUSHALL')",
  '*',
  '?',
  '[a-z]',
  ':',
  '{',
  '}',
  '$ne',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4j-style lookup, sent as it is
  '${jndi:ldap://x}',
  '{{7*7}}',
  'Ref::param',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '9007199254740993',
  '0x10',
  'true',
  'null',
  'undefined',
  'ENABLED',
  'DISABLED',
  'SUCCEEDED',
  'default',
  'local',
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...TRAVERSAL, ...PARSER_ATTACKS, ...PROTOTYPE_KEYS), weight: 10 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 4 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }), weight: 2 },
  // Long, but within the default body limit (they nest, so rarely).
  { arbitrary: fc.constantFrom(300, 5_000).map((n) => 'x'.repeat(n)), weight: 1 },
  {
    arbitrary: fc.tuple(fc.constantFrom(...TRAVERSAL), fc.string({ maxLength: 8 })).map(([a, b]) => a + b),
    weight: 1,
  },
);

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    -1,
    0.5,
    1e-320,
    2 ** 31,
    2 ** 32,
    2 ** 53,
    2 ** 53 + 2,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    1e308,
    1e21,
    123456789012345680000,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const primitive: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileString, weight: 4 },
  { arbitrary: hostileNumber, weight: 3 },
  { arbitrary: fc.constantFrom(true, false, null), weight: 1 },
);

const hostileKey: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...PROTOTYPE_KEYS), weight: 2 },
  { arbitrary: hostileString, weight: 1 },
);

/** A JSON value of bounded depth whose keys and leaves are hostile. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: primitive, weight: 5 },
    { arbitrary: fc.array(tie('value'), { maxLength: 5 }), weight: 1 },
    { arbitrary: fc.dictionary(hostileKey, tie('value'), { maxKeys: 5 }), weight: 1 },
  ),
})).value;

/** JSON text an attacker writes by hand: nesting far beyond any schema, pollution payloads, huge arrays. */
export const hostileJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(1_000, 10_000, 100_000).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.constantFrom(1_000, 20_000).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  fc.constantFrom(
    `{"__proto__":{"${POLLUTION_MARKER}":true}}`,
    `{"constructor":{"prototype":{"${POLLUTION_MARKER}":true}}}`,
    `{"name":"x","__proto__":{"${POLLUTION_MARKER}":true},"params":{"__proto__":{"${POLLUTION_MARKER}":true}}}`,
    `{"spec":{"__proto__":{"${POLLUTION_MARKER}":1}},"resources":{"__proto__":{"gpus":1}}}`,
  ),
  fc.constantFrom(10_000, 100_000).map((n) => `[${'0,'.repeat(n)}0]`),
  fc
    .constantFrom(10_000, 50_000)
    .map((n) => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`),
);

/** Text that is not JSON, or not the JSON a route expects. */
export const invalidJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '{',
    '}',
    '{"a":',
    '{"a" 1}',
    "{'a':1}",
    '{"a":1,}',
    'nul',
    'NaN',
    '-',
    '1e99999',
    '"\\ud800"',
    '\uFEFF{}',
    '\u0000',
    '[]',
    '"a string"',
    '42',
    'null',
    'true',
    '{"a":1}{"b":2}',
    '{"a":"\\u0000"}',
  ),
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
);
