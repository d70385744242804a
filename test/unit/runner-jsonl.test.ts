import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { createMatrix } from '../../kernels/matrix.ts';
import { DataFormatError } from '../../runner/io/data-format-error.ts';
import { formatFloat32, parseJsonl, readJsonl, writeJsonl } from '../../runner/io/jsonl.ts';
import { temporaryDirectory } from '../support/npy-fixtures.ts';

test('each line is a row: a JSON array, or an object with a "features" array; blank lines are skipped', (t) => {
  const matrix = parseJsonl('[1, 2]\n\n{"id": "b", "features": [3, 4]}\n  \n[5, null]\n', 'x.jsonl');
  t.deepEqual([matrix.rows, matrix.cols], [3, 2]);
  t.deepEqual(Array.from(matrix.data), [1, 2, 3, 4, 5, Number.NaN]);
});

const malformed = [
  { text: '[1, 2]\n[3]\n', problem: 'line 2 has 1 values; earlier rows have 2' },
  { text: '[1, 2]\n[3, 4\n', problem: 'line 2 is not valid JSON' },
  {
    text: '{"values": [1, 2]}\n',
    problem: 'line 1 is neither an array of numbers nor an object with a "features" array',
  },
  { text: '[1, "2"]\n', problem: 'line 1, value 2 is not a number' },
];

for (const { text, problem } of malformed) {
  test(`malformed JSONL is rejected: ${problem}`, (t) => {
    const error = t.throws(() => parseJsonl(text, 'data.jsonl'), { instanceOf: DataFormatError });
    t.is(error.message, `data.jsonl: ${problem}`);
  });
}

test('written JSONL has one array per row, NaN as null, and reads back to the same float32 values', async (t) => {
  const path = join(await temporaryDirectory(t), 'out.jsonl');
  const matrix = createMatrix(2, 2, Float32Array.from([0.1, Number.NaN, -3, 1 / 3]));
  await writeJsonl(path, matrix);
  t.is(await readFile(path, 'utf8'), '[0.1,null]\n[-3,0.33333334]\n');
  t.deepEqual(Array.from((await readJsonl(path)).data), Array.from(matrix.data));
});

test('floats print as the shortest decimal that reads back as the same float32', (t) => {
  for (const value of [0.1, 1e-20, 123456.789, -2.5e30, 16777217]) {
    const float = Math.fround(value);
    t.is(Math.fround(Number(formatFloat32(float))), float);
  }
  t.is(formatFloat32(Math.fround(0.1)), '0.1');
  t.is(formatFloat32(Number.POSITIVE_INFINITY), 'null');
});

test('readJsonl names the file in its errors', async (t) => {
  const path = join(await temporaryDirectory(t), 'in.jsonl');
  await writeFile(path, 'not json\n');
  const error = await t.throwsAsync(() => readJsonl(path), { instanceOf: DataFormatError });
  t.is(error.file, path);
});
