import test from 'ava';
import { jsonDepth } from '../../api/hardening/json-depth.ts';

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

test('scalars have depth 0, each array or object adds one', (t) => {
  t.is(jsonDepth(null), 0);
  t.is(jsonDepth('x'), 0);
  t.is(jsonDepth({}), 1);
  t.is(jsonDepth({ a: [1, { b: 2 }], c: 3 }), 3);
  t.is(jsonDepth(nested(32)), 32);
});

test('a million levels are measured without overflowing the stack', (t) => {
  const deep = JSON.parse(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`);
  t.is(jsonDepth(deep), 1_000_000);
  t.true(jsonDepth(deep, 32) > 32);
});
