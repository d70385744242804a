import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { createMatrix } from '../../kernels/matrix.ts';
import { DataFormatError } from '../../runner/io/data-format-error.ts';
import { readNpy, readNpyHeader, writeNpy } from '../../runner/io/npy.ts';
import { npyBytes, temporaryDirectory } from '../support/npy-fixtures.ts';

test('a written matrix reads back with the same shape and values, NaN included', async (t) => {
  const path = join(await temporaryDirectory(t), 'm.npy');
  const matrix = createMatrix(2, 3, Float32Array.from([1.5, -2, Number.NaN, 0, 3.25, 1e-8]));
  await writeNpy(path, matrix);
  const read = await readNpy(path);
  t.is(read.rows, 2);
  t.is(read.cols, 3);
  t.deepEqual(Array.from(read.data), Array.from(matrix.data));
});

test('written files are numpy version 1 with the data aligned to 64 bytes', async (t) => {
  const path = join(await temporaryDirectory(t), 'm.npy');
  await writeNpy(path, createMatrix(3, 2));
  const bytes = await readFile(path);
  t.is(bytes.subarray(0, 8).toString('latin1'), '\x93NUMPY\x01\x00');
  const header = await readNpyHeader(path);
  t.is(header.dataOffset % 64, 0);
  t.is(bytes.length, header.dataOffset + 3 * 2 * 4);
  t.regex(bytes.subarray(10, header.dataOffset).toString('latin1'), /'shape': \(3, 2\)/);
});

test('a 1-D array reads as a single column', async (t) => {
  const path = join(await temporaryDirectory(t), 'v.npy');
  await writeFile(path, npyBytes({ shape: '(4,)', values: [1, 2, 3, 4] }));
  const read = await readNpy(path);
  t.deepEqual([read.rows, read.cols], [4, 1]);
  t.deepEqual(Array.from(read.data), [1, 2, 3, 4]);
});

for (const version of [2, 3] as const) {
  test(`header version ${version} (4-byte header length) is read`, async (t) => {
    const path = join(await temporaryDirectory(t), 'v.npy');
    await writeFile(path, npyBytes({ version }));
    const read = await readNpy(path);
    t.deepEqual([read.rows, read.cols], [2, 3]);
    t.deepEqual(Array.from(read.data), [1, 2, 3, 4, 5, 6]);
  });
}

const malformed = [
  { name: 'bad magic', bytes: npyBytes({ magic: 'PK\x03\x04ZZ' }), problem: /bad magic/ },
  { name: 'an unknown format version', bytes: npyBytes({ version: 4 }), problem: /format version 4/ },
  { name: 'float64 data', bytes: npyBytes({ descr: '<f8' }), problem: /unsupported dtype '<f8'/ },
  { name: 'big-endian float32', bytes: npyBytes({ descr: '>f4' }), problem: /unsupported dtype '>f4'/ },
  { name: 'fortran order', bytes: npyBytes({ fortranOrder: 'True' }), problem: /fortran_order True/ },
  {
    name: 'data shorter than the shape',
    bytes: npyBytes({ truncateBy: 4 }),
    problem: /data has 20 bytes.*needs 24/,
  },
  {
    name: 'data longer than the shape',
    bytes: npyBytes({ shape: '(1, 3)' }),
    problem: /data has 24 bytes but shape \(1, 3\).*needs 12/,
  },
  { name: 'three dimensions', bytes: npyBytes({ shape: '(1, 2, 3)' }), problem: /3 dimensions/ },
  { name: 'a header cut short', bytes: npyBytes().subarray(0, 30), problem: /truncated header/ },
];

for (const { name, bytes, problem } of malformed) {
  test(`${name} is rejected by readNpy and readNpyHeader, naming the file`, async (t) => {
    const path = join(await temporaryDirectory(t), 'broken.npy');
    await writeFile(path, bytes);
    for (const read of [readNpy, readNpyHeader]) {
      const error = await t.throwsAsync(() => read(path), { instanceOf: DataFormatError });
      t.true(error.message.startsWith(`${path}: `));
      t.regex(error.problem, problem);
    }
  });
}

test('readNpyHeader checks the size without reading the data', async (t) => {
  const path = join(await temporaryDirectory(t), 'big.npy');
  await writeNpy(path, createMatrix(50_000, 8));
  const header = await readNpyHeader(path);
  t.deepEqual([header.rows, header.cols, header.version], [50_000, 8, 1]);
  t.is((await stat(path)).size, header.dataOffset + 50_000 * 8 * 4);
});
