import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { createMatrix } from '../../kernels/matrix.ts';
import { buildMlpModel } from '../../kernels/onnx/mlp-model.ts';
import { writeNpy } from '../../runner/io/npy.ts';
import { preflight } from '../../runner/preflight.ts';
import { inferenceJobSpec, kernelJobSpec } from '../support/job-specs.ts';
import { npyBytes, temporaryDirectory } from '../support/npy-fixtures.ts';

async function workspace(t: Parameters<typeof temporaryDirectory>[0]): Promise<string> {
  const cwd = await temporaryDirectory(t);
  await writeNpy(join(cwd, 'matrix.npy'), createMatrix(10, 4));
  await writeNpy(join(cwd, 'features.npy'), createMatrix(10, 8));
  await writeFile(join(cwd, 'features.jsonl'), '\n{"features": [1, 2, 3, 4, 5, 6, 7, 8]}\n[1, 2]\n');
  await writeFile(
    join(cwd, 'mlp.onnx'),
    buildMlpModel({ inputDim: 8, hiddenDims: [4], outputDim: 3, seed: 1 }),
  );
  await writeFile(join(cwd, 'empty.onnx'), '');
  await writeFile(join(cwd, 'junk.onnx'), 'junk');
  await writeFile(join(cwd, 'fortran.npy'), npyBytes({ fortranOrder: 'True' }));
  await writeFile(join(cwd, 'short.npy'), npyBytes({ truncateBy: 8 }));
  await writeFile(join(cwd, 'broken.jsonl'), '[1, 2\n');
  await writeFile(
    join(cwd, 'ints.npy'),
    npyBytes({ descr: '<i8', shape: '(1, 8)', data: new BigInt64Array(8) }),
  );
  await writeFile(join(cwd, 'features.csv'), 'a,b,c,d,e,f,g,h\n1,2,3,4,5,6,7,8\n');
  return cwd;
}

test('valid kernel and inference jobs have no problems', async (t) => {
  const cwd = await workspace(t);
  t.deepEqual(await preflight(kernelJobSpec({ params: { ddof: 1 } }), cwd), []);
  t.deepEqual(await preflight(inferenceJobSpec({ params: { batchSize: 32 } }), cwd), []);
  // Only the first JSONL row is probed at submit time.
  t.deepEqual(await preflight(inferenceJobSpec({ input: 'features.jsonl', output: 'p.jsonl' }), cwd), []);
  t.deepEqual(await preflight(inferenceJobSpec({ input: 'features.csv', output: 'p.jsonl' }), cwd), []);
});

test('a model file that is not protobuf is reported on the model field', async (t) => {
  const problems = await preflight(inferenceJobSpec({ model: 'junk.onnx' }), await workspace(t));
  t.is(problems.length, 1);
  t.is(problems[0]?.field, 'model');
  t.regex(problems[0]?.message ?? '', /^not an ONNX model: /);
});

const cases = [
  {
    name: 'an unknown kernel',
    spec: kernelJobSpec({ kernel: 'normalize' }),
    problems: [
      {
        field: 'kernel',
        message:
          'unknown kernel "normalize"; known: cosine-topk, impute, matmul, minmax, profile, standardize',
      },
    ],
  },
  {
    name: 'invalid kernel params',
    spec: kernelJobSpec({ params: { ddof: 'one' } }),
    problems: [{ field: 'params.ddof', message: 'must be 0 or 1' }],
  },
  {
    name: 'invalid inference params',
    // The job spec schema rejects these at submit; preflight checks a spec that skipped it all the same.
    spec: { ...inferenceJobSpec(), params: { batchSize: 2.5, batch: 3 } },
    problems: [
      { field: 'params.batchSize', message: 'must be an integer from 1 to 65536' },
      {
        field: 'params.batch',
        message:
          'unknown parameter; known: batchSize, inputName, outputs, postprocess, k, reviewBelow, reviewOutput, shard',
      },
    ],
  },
  {
    name: 'a missing model',
    spec: inferenceJobSpec({ model: 'models/missing.onnx' }),
    problems: [{ field: 'model', message: 'file not found: models/missing.onnx' }],
  },
  {
    name: 'an empty model file',
    spec: inferenceJobSpec({ model: 'empty.onnx' }),
    problems: [{ field: 'model', message: 'not an ONNX model: no graph with nodes and an opset' }],
  },
  {
    name: 'a missing input',
    spec: kernelJobSpec({ input: 'nowhere.npy' }),
    problems: [{ field: 'input', message: 'file not found: nowhere.npy' }],
  },
  {
    name: 'a fortran-order npy input',
    spec: kernelJobSpec({ input: 'fortran.npy' }),
    problems: [{ field: 'input', message: 'fortran_order True is not supported: save the array in C order' }],
  },
  {
    name: 'an npy input shorter than its shape',
    spec: kernelJobSpec({ input: 'short.npy' }),
    problems: [
      { field: 'input', message: 'truncated: data has 16 bytes but shape (2, 3) of float32 needs 24' },
    ],
  },
  {
    name: 'a JSONL input whose first row is broken',
    spec: kernelJobSpec({ input: 'broken.jsonl' }),
    problems: [{ field: 'input', message: 'line 1 is not valid JSON' }],
  },
  {
    name: 'unsupported input and output extensions',
    spec: kernelJobSpec({ input: 'matrix.csv', output: 'out.txt' }),
    problems: [
      { field: 'input', message: 'unsupported file type (.csv); use .npy or .jsonl' },
      { field: 'output', message: 'unsupported file type (.txt); use .npy or .jsonl' },
    ],
  },
  {
    name: 'an output that would overwrite the input',
    spec: kernelJobSpec({ output: './matrix.npy' }),
    problems: [{ field: 'output', message: 'must not overwrite the input: a retry would read it' }],
  },
  {
    name: 'an npy dtype the model input does not take',
    spec: inferenceJobSpec({ input: 'ints.npy' }),
    problems: [{ field: 'input', message: 'is int64 but model input "features" takes float32' }],
  },
  {
    name: 'input and output names the model does not have',
    spec: inferenceJobSpec({ params: { inputName: 'pixels', outputs: ['probabilities', 'embedding'] } }),
    problems: [
      { field: 'params.inputName', message: '"pixels" is not an input of the model; it has "features"' },
      {
        field: 'params.outputs[1]',
        message: '"embedding" is not an output of the model; it has "probabilities"',
      },
    ],
  },
  {
    name: 'an inference input extension it cannot read',
    spec: inferenceJobSpec({ input: 'features.parquet' }),
    problems: [{ field: 'input', message: 'unsupported file type (.parquet); use .npy, .jsonl or .csv' }],
  },
  {
    name: 'an input narrower than the model input',
    spec: inferenceJobSpec({ input: 'matrix.npy' }),
    problems: [{ field: 'input', message: 'has 4 columns; model input "features" expects 8' }],
  },
];

for (const { name, spec, problems } of cases) {
  test(`${name} is reported on its field`, async (t) => {
    t.deepEqual(await preflight(spec, await workspace(t)), problems);
  });
}
