// An array child's spec and environment, derived from its parent's spec and its index.
import test from 'ava';
import { ARRAY_INDEX_PLACEHOLDERS } from '../../api/schemas/array-spec.ts';
import { setArrayIndexEnv } from '../../runner/array-env.ts';
import { childId, childSpec, parseChildId } from '../../scheduler/array-children.ts';
import { inferenceJobSpec, kernelJobSpec } from '../support/job-specs.ts';

const [INDEX, AWS_INDEX] = ARRAY_INDEX_PLACEHOLDERS; // ${GPUBATCH_ARRAY_INDEX}, ${AWS_BATCH_JOB_ARRAY_INDEX}

test('a child id is the parent id, a colon and the index, and parses back', (t) => {
  t.is(childId('abc', 7), 'abc:7');
  t.deepEqual(parseChildId('abc:7'), { parentId: 'abc', index: 7 });
  t.is(parseChildId('abc'), undefined);
});

test('the index replaces either placeholder in paths and string params; array fields stay with the parent', (t) => {
  const parent = kernelJobSpec({
    input: `in/part-${AWS_INDEX}.npy`,
    output: `out/part-${INDEX}.npy`,
    params: { b: `b-${INDEX}.npy`, scale: 2 },
    arraySize: 10,
    maxConcurrent: 2,
    dependsOn: [{ type: 'SEQUENTIAL' }],
    idempotencyKey: 'sweep-1',
  });
  const child = childSpec(parent, 3);
  t.is(child.input, 'in/part-3.npy');
  t.is(child.output, 'out/part-3.npy');
  t.deepEqual(child.params, { b: 'b-3.npy', scale: 2 });
  t.is(child.arraySize, undefined);
  t.is(child.maxConcurrent, undefined);
  t.is(child.dependsOn, undefined);
  t.is(child.idempotencyKey, undefined);
  t.is(parent.output, `out/part-${INDEX}.npy`, 'the parent spec is not changed');
});

test('an inference array over one input shards it by the index; one with an input per child does not', (t) => {
  const oneInput = childSpec(inferenceJobSpec({ arraySize: 4, output: `out-${INDEX}.npy` }), 2);
  t.deepEqual(oneInput.params['shard'], { index: 2, count: 4 });
  const perChildInput = childSpec(
    inferenceJobSpec({ arraySize: 4, input: `in-${INDEX}.npy`, output: `out-${INDEX}.npy` }),
    2,
  );
  t.is(perChildInput.params['shard'], undefined);
  const explicit = childSpec(
    inferenceJobSpec({ arraySize: 4, output: `out-${INDEX}.npy`, params: { shard: { index: 0, count: 2 } } }),
    3,
  );
  t.deepEqual(explicit.params['shard'], { index: 0, count: 2 }, "the user's own shard is kept");
});

test('the runner sets both index variables for one attempt and restores the environment after', (t) => {
  const env: NodeJS.ProcessEnv = { AWS_BATCH_JOB_ARRAY_INDEX: 'left over' };
  const restore = setArrayIndexEnv(5, env);
  t.is(env['GPUBATCH_ARRAY_INDEX'], '5');
  t.is(env['AWS_BATCH_JOB_ARRAY_INDEX'], '5');
  restore();
  t.deepEqual(env, { AWS_BATCH_JOB_ARRAY_INDEX: 'left over' });
  setArrayIndexEnv(undefined, env);
  t.deepEqual(env, {}, 'a plain job sees no index');
});
