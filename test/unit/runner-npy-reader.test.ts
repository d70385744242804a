import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import type { RowBatch } from '../../kernels/onnx/run-inference.ts';
import { createAtomicFile } from '../../runner/io/atomic-write.ts';
import { MIN_READ_BYTES, openNpyReader } from '../../runner/io/npy-reader.ts';
import { npyBytes, temporaryDirectory } from '../support/npy-fixtures.ts';

const COLS = 64;
/** About 3.4 reads' worth, so blocks repeat, buffers are reused and the last block is short. */
const ROWS = Math.floor((3.4 * MIN_READ_BYTES) / (COLS * 4));
const values = Array.from({ length: ROWS * COLS }, (_, i) => i);

/** Consumes like the inference loop: asks for batch i+1 while holding batch i, copies each as it runs. */
async function collect(batches: AsyncGenerator<RowBatch>): Promise<{ sizes: number[]; data: number[] }> {
  const sizes: number[] = [];
  const data: number[] = [];
  let pending = batches.next();
  for (;;) {
    const next = await pending;
    if (next.done) break;
    pending = batches.next();
    sizes.push(next.value.rows);
    for (const value of next.value.data as Float32Array) data.push(value);
  }
  return { sizes, data };
}

for (const batchSize of [1, 7, 1000, 4096, 100_000]) {
  test(`batches of ${batchSize} rows read back every row in order, across reused read blocks`, async (t) => {
    const path = join(await temporaryDirectory(t), 'rows.npy');
    await writeFile(path, npyBytes({ shape: `(${ROWS}, ${COLS})`, values }));
    const reader = await openNpyReader(path);
    t.teardown(() => reader.close());
    const start = 3;
    const end = ROWS - 5;
    const { sizes, data } = await collect(reader.batches(start, end, batchSize));
    t.is(
      sizes.reduce((a, b) => a + b, 0),
      end - start,
    );
    t.true(sizes.slice(0, -1).every((size) => size === batchSize));
    t.deepEqual(data, values.slice(start * COLS, end * COLS));
  });
}

test('an empty range yields no batch', async (t) => {
  const path = join(await temporaryDirectory(t), 'rows.npy');
  await writeFile(path, npyBytes({ shape: '(2, 3)' }));
  const reader = await openNpyReader(path);
  t.teardown(() => reader.close());
  t.deepEqual(await collect(reader.batches(1, 1, 8)), { sizes: [], data: [] });
});

test('an atomic file gathers small appends and patches earlier bytes in place', async (t) => {
  const path = join(await temporaryDirectory(t), 'out.bin');
  const file = await createAtomicFile(path);
  await file.write(Buffer.from('....'));
  for (let i = 0; i < 1000; i++) await file.write(Buffer.from(`${i % 10}`));
  await file.write(Buffer.alloc(MIN_READ_BYTES + 3, 'x'));
  await file.write(Buffer.from('HEAD'), 0);
  await file.commit();
  const bytes = await readFile(path, 'latin1');
  t.is(bytes.length, 4 + 1000 + MIN_READ_BYTES + 3);
  t.is(bytes.slice(0, 14), 'HEAD0123456789');
  t.is(bytes.slice(1004), 'x'.repeat(MIN_READ_BYTES + 3));
});
