// Ref:: placeholders and the job spec a submission by job definition stands for (pure functions).
import test from 'ava';
import fc from 'fast-check';
import { specFromDefinition } from '../../api/job-definitions/spec-from-definition.ts';
import { substituteRefs } from '../../api/job-definitions/substitute.ts';
import {
  DefinitionSubmissionSchema,
  type JobDefinitionRecord,
  JobDefinitionSchema,
} from '../../api/schemas/job-definition.ts';
import { fieldProblems } from '../../api/validate.ts';

function aDefinition(overrides: Record<string, unknown> = {}): JobDefinitionRecord {
  const definition = JobDefinitionSchema.parse({
    name: 'resize',
    kind: 'kernel',
    kernel: 'standardize',
    input: '/data/Ref::day/in.npy',
    output: '/data/Ref::day/out.npy',
    parameters: { day: '2025-01-01' },
    ...overrides,
  });
  return { ...definition, jobDefinition: 'resize:2', revision: 2, status: 'ACTIVE', registeredAt: 0 };
}

const submission = (fields: Record<string, unknown> = {}) =>
  DefinitionSubmissionSchema.parse({ jobDefinition: 'resize', ...fields });

test('a placeholder is replaced anywhere in a string, as often as it occurs', (t) => {
  const { value, missing } = substituteRefs('Ref::a/x-Ref::a.Ref::b', { a: '1', b: '2' });
  t.is(value, '1/x-1.2');
  t.deepEqual(missing, []);
});

test('a placeholder name is the longest run of letters, digits and _', (t) => {
  const { value, missing } = substituteRefs('Ref::day_2-Ref::day.npy', { day: 'D', day_2: 'E' });
  t.is(value, 'E-D.npy');
  t.deepEqual(missing, []);
});

test('a value that itself holds Ref:: is not substituted again', (t) => {
  const { value, missing } = substituteRefs('Ref::a', { a: 'Ref::b', b: 'never' });
  t.is(value, 'Ref::b');
  t.deepEqual(missing, []);
});

test('a placeholder without a value stays in place and is reported with where it was used', (t) => {
  const { value, missing } = substituteRefs({ params: { cols: ['x', 'Ref::col'] } }, {});
  t.deepEqual(value, { params: { cols: ['x', 'Ref::col'] } });
  t.deepEqual(missing, [{ name: 'col', path: 'params.cols[1]' }]);
});

test('numbers, booleans and null are untouched; nested strings are substituted', (t) => {
  const input = { k: 3, on: true, none: null, list: [1.5, 'Ref::p'], deep: { s: 'Ref::p' } };
  const { value } = substituteRefs(input, { p: 'v' });
  t.deepEqual(value, { k: 3, on: true, none: null, list: [1.5, 'v'], deep: { s: 'v' } });
});

test('text without "Ref::" comes back unchanged, whatever the parameters (property)', (t) => {
  const noRef = fc.string().filter((s) => !s.includes('Ref::'));
  t.notThrows(() =>
    fc.assert(
      fc.property(noRef, fc.dictionary(fc.stringMatching(/^[a-z_]{1,5}$/), fc.string()), (text, params) => {
        const { value, missing } = substituteRefs(text, params);
        return value === text && missing.length === 0;
      }),
    ),
  );
});

test('substituted values never get substituted again, whatever they hold (property)', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.string(), (v) => substituteRefs('[Ref::x]', { x: v, y: 'Y' }).value === `[${v}]`),
    ),
  );
});

test('the spec takes the definition, its parameter defaults, and the job name from the definition', (t) => {
  const { spec, problems } = specFromDefinition(aDefinition(), submission());
  t.deepEqual(problems, []);
  t.deepEqual(spec, {
    name: 'resize',
    kind: 'kernel',
    kernel: 'standardize',
    input: '/data/2025-01-01/in.npy',
    output: '/data/2025-01-01/out.npy',
    params: {},
  });
});

test("a submission's parameters win over the definition's defaults", (t) => {
  const { spec } = specFromDefinition(aDefinition(), submission({ parameters: { day: '2025-02-03' } }));
  t.is(spec.input, '/data/2025-02-03/in.npy');
});

test('a placeholder with no value anywhere is a problem naming the parameter and where it is used', (t) => {
  const { problems } = specFromDefinition(aDefinition({ parameters: {} }), submission());
  t.deepEqual(
    problems.map((p) => p.field),
    ['parameters.day', 'parameters.day'],
  );
  t.regex(problems[0]!.message, /no value for Ref::day \(used in input of resize:2\)/);
});

test("params merge key by key; the definition's are substituted, the submission's taken literally", (t) => {
  const definition = aDefinition({ params: { ddof: 1, column: 'Ref::day', keep: 'x' } });
  const { spec } = specFromDefinition(definition, submission({ params: { ddof: 0, note: 'Ref::day' } }));
  t.deepEqual(spec.params, { ddof: 0, column: '2025-01-01', keep: 'x', note: 'Ref::day' });
});

test('resources override field by field; a GPU request replaces both gpus and gpuMilli', (t) => {
  const definition = aDefinition({ resources: { gpuMilli: 500, memoryMiB: 4096, cpuMilli: 2000 } });
  const more = specFromDefinition(definition, submission({ resources: { gpus: 2 } })).spec;
  const less = specFromDefinition(definition, submission({ resources: { memoryMiB: 512 } })).spec;
  t.deepEqual(more.resources, { memoryMiB: 4096, cpuMilli: 2000, gpus: 2 });
  t.deepEqual(less.resources, { gpuMilli: 500, memoryMiB: 512, cpuMilli: 2000 });
});

test('retry, timeout, queue, priority and name of the submission win over the definition', (t) => {
  const definition = aDefinition({ retry: { attempts: 3 }, timeoutSeconds: 60, queue: 'gpu', priority: 5 });
  const { spec } = specFromDefinition(
    definition,
    submission({ retry: { attempts: 1 }, timeoutSeconds: 10, queue: 'cpu', priority: -1, name: 'one-off' }),
  );
  t.like(spec, { retry: { attempts: 1 }, timeoutSeconds: 10, queue: 'cpu', priority: -1, name: 'one-off' });
  const kept = specFromDefinition(definition, submission()).spec;
  t.like(kept, { retry: { attempts: 3 }, timeoutSeconds: 60, queue: 'gpu', priority: 5 });
});

function problemFields(value: unknown): string[] {
  const result = JobDefinitionSchema.safeParse(value);
  return result.success
    ? []
    : fieldProblems(result.error, 'body')
        .map((p) => p.field)
        .sort();
}

test('the definition schema names each bad field', (t) => {
  const fields = problemFields({
    name: 'bad:name',
    kind: 'kernel',
    kernel: 'standardize',
    input: 'a',
    output: 'b',
    parameters: { 'has-dash': 'x' },
    extra: true,
  });
  t.deepEqual(fields, ['extra', 'name', 'parameters.has-dash']);
  const base = { name: 'd', kind: 'kernel', kernel: 'k', input: 'a', output: 'b' };
  t.deepEqual(problemFields({ ...base, parameters: { n: 3 } }), ['parameters.n']);
});

test('the definition schema asks for kernel or model by kind, and one kind of GPU request', (t) => {
  const base = { name: 'd', input: 'a', output: 'b' };
  t.deepEqual(problemFields({ ...base, kind: 'kernel' }), ['kernel']);
  t.deepEqual(problemFields({ ...base, kind: 'inference' }), ['model']);
  t.deepEqual(problemFields({ ...base, kind: 'kernel', kernel: 'k', resources: { gpus: 1, gpuMilli: 5 } }), [
    'resources.gpuMilli',
  ]);
});

test('a submission names a definition as name or name:revision, nothing else', (t) => {
  for (const ok of ['resize', 'resize:1', 'a.b-c_d:42']) {
    t.true(DefinitionSubmissionSchema.safeParse({ jobDefinition: ok }).success, ok);
  }
  for (const bad of ['', 'resize:', 'resize:0', 'resize:x', ':3', 'a:1:2']) {
    t.false(DefinitionSubmissionSchema.safeParse({ jobDefinition: bad }).success, bad);
  }
});
