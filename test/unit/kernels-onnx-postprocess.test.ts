import test from 'ava';
import { argmaxRows, softmaxRows, topkRows } from '../../kernels/onnx/postprocess.ts';

const scores = Float32Array.from([
  // row 0: class 2 wins
  0.1, 0.2, 0.7,
  // row 1: a tie between classes 0 and 1 goes to the first, as numpy's argmax
  0.4, 0.4, 0.2,
  // row 2: large logits must not overflow
  1000, 999, 0,
]);

test('argmax picks the largest score per row, the first one on ties', (t) => {
  const { indices, values } = argmaxRows(scores, 3, 3);
  t.deepEqual(Array.from(indices), [2n, 0n, 0n]);
  t.deepEqual(Array.from(values), [Math.fround(0.7), Math.fround(0.4), 1000]);
});

test('softmax rows sum to one and stay finite for large logits', (t) => {
  const probabilities = softmaxRows(scores, 3, 3);
  for (let r = 0; r < 3; r++) {
    const row = Array.from(probabilities.subarray(r * 3, r * 3 + 3));
    t.true(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-6);
    t.true(row.every(Number.isFinite));
  }
  const e = Math.exp(-1);
  t.true(Math.abs(probabilities[6]! - 1 / (1 + e)) < 1e-6);
  t.true(Math.abs(probabilities[7]! - e / (1 + e)) < 1e-6);
});

test('topk gives the k largest per row, largest first, ties in class order', (t) => {
  const { indices, values } = topkRows(scores, 3, 3, 2);
  t.deepEqual(Array.from(indices), [2n, 1n, 0n, 1n, 0n, 1n]);
  t.deepEqual(Array.from(values), [0.7, 0.2, 0.4, 0.4, 1000, 999].map(Math.fround));
});

test('topk with k above the class count is an error naming both', (t) => {
  t.throws(() => topkRows(scores, 3, 3, 4), { message: 'topk k=4 exceeds the 3 classes of the output' });
});
