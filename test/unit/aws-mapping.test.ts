// How AWS Batch's container fields map onto gpubatch jobs: the command grammar and resourceRequirements.
import test from 'ava';
import fc from 'fast-check';
import { formatCommand, parseCommand } from '../../api/aws/command.ts';
import { ClientException } from '../../api/aws/errors.ts';
import { requirementsFromResources, resourcesFromRequirements } from '../../api/aws/resources.ts';

test('a kernel command gives kind, kernel, paths and params (JSON values parsed, others kept as text)', (t) => {
  const target = parseCommand(
    [
      'gpubatch',
      'kernel',
      'matmul',
      '--input',
      'a.npy',
      '--output',
      'b.npy',
      '--param',
      'n=3',
      '--param',
      'mode=fast',
    ],
    'command',
  );
  t.deepEqual(target, {
    kind: 'kernel',
    kernel: 'matmul',
    input: 'a.npy',
    output: 'b.npy',
    params: { n: 3, mode: 'fast' },
  });
});

test('an inference command names the model', (t) => {
  t.like(parseCommand(['gpubatch', 'inference', 'm.onnx', '--input', 'x.csv', '--output', 'y.jsonl'], 'c'), {
    kind: 'inference',
    model: 'm.onnx',
  });
});

const refusals: [string[], RegExp][] = [
  [['python', 'train.py'], /must start with "gpubatch"/],
  [['gpubatch', 'shell', 'x'], /"kernel" or "inference"/],
  [['gpubatch', 'kernel', '--input', 'a'], /name the kernel/],
  [['gpubatch', 'kernel', 'k', '--output', 'b'], /--input is required/],
  [['gpubatch', 'kernel', 'k', '--input', 'a', '--output'], /--output needs a value/],
  [['gpubatch', 'kernel', 'k', '--input', 'a', '--output', 'b', '--gpu', '1'], /unknown option "--gpu"/],
  [['gpubatch', 'kernel', 'k', '--input', 'a', '--output', 'b', '--param', 'novalue'], /<name>=<value>/],
];

test('commands that cannot map are ClientExceptions naming the field and the expected shape', (t) => {
  for (const [command, why] of refusals) {
    const error = t.throws(() => parseCommand(command, 'containerProperties.command'), {
      instanceOf: ClientException,
    });
    t.regex(error.message, why);
    t.regex(error.message, /^containerProperties\.command: .*expected \["gpubatch"/);
  }
});

test('formatCommand is read back by parseCommand as the same target, whatever the params', (t) => {
  const json = fc.oneof(
    fc.string(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.integer()),
  );
  const target = fc.record({
    kind: fc.constant('kernel' as const),
    kernel: fc.string({ minLength: 1 }).filter((s) => !s.startsWith('--')),
    input: fc.string({ minLength: 1 }),
    output: fc.string({ minLength: 1 }),
    params: fc.dictionary(fc.stringMatching(/^[a-z_][a-z0-9_]*$/), json),
  });
  fc.assert(
    fc.property(target, (t0) => {
      const back = parseCommand(formatCommand(t0), 'c');
      return (
        JSON.stringify(back) === JSON.stringify({ ...t0, params: JSON.parse(JSON.stringify(t0.params)) })
      );
    }),
  );
  t.pass();
});

test('GPU, VCPU and MEMORY map to gpus, cpuMilli and memoryMiB; a GPU below 1 is a share of one GPU', (t) => {
  t.deepEqual(
    resourcesFromRequirements(
      [
        { type: 'GPU', value: '2' },
        { type: 'VCPU', value: '1.5' },
        { type: 'MEMORY', value: '2048' },
      ],
      {},
      'f',
    ),
    { gpus: 2, cpuMilli: 1500, memoryMiB: 2048 },
  );
  t.deepEqual(resourcesFromRequirements([{ type: 'GPU', value: '0.25' }], {}, 'f'), { gpuMilli: 250 });
  t.deepEqual(resourcesFromRequirements(undefined, { vcpus: 4, memory: 512 }, 'f'), {
    cpuMilli: 4000,
    memoryMiB: 512,
  });
  t.is(resourcesFromRequirements([], {}, 'f'), undefined);
  t.throws(() => resourcesFromRequirements([{ type: 'GPU', value: '1.5' }], {}, 'f'), {
    message: /GPU is a whole number/,
  });
  t.deepEqual(requirementsFromResources({ gpuMilli: 500, cpuMilli: 250 }), [
    { type: 'GPU', value: '0.5' },
    { type: 'VCPU', value: '0.25' },
  ]);
});
