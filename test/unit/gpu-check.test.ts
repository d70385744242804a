import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { elementwiseMismatch, matmulMismatch, topkMismatch } from '../../bench/gpu-check/compare.ts';
import { importClosure } from '../../bench/gpu-check/prepare.ts';
import type { GpuCheckResult } from '../../bench/gpu-check/report.ts';
import { cosineTopkReference } from '../../kernels/cosine-topk.ts';
import { installNodeWebGpu, uninstallNodeWebGpu } from '../../kernels/gpujs/node-webgpu.ts';
import { matmulReference } from '../../kernels/matmul.ts';
import { randomMatrix } from '../support/kernel-context.ts';

function runCheck(args: string[]) {
  return spawnSync(process.execPath, ['bench/gpu-check.ts', ...args], { encoding: 'utf8', timeout: 50_000 });
}

test('the GPU check runs every kernel and ONNX Runtime on the CPU, checks them against the references and exits 0', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gpubatch-gpu-check-test-'));
  try {
    const json = join(dir, 'result.json');
    const run = runCheck(['--size=tiny', '--no-webgpu', `--json=${json}`]);
    t.is(run.status, 0, run.stderr);
    const result = JSON.parse(readFileSync(json, 'utf8')) as GpuCheckResult;
    t.deepEqual(
      result.kernels.map((k) => [k.case, k.phase, k.check]),
      ['standardize', 'minmax', 'matmul', 'cosine-topk'].map((name) => [name, 'cpu', 'ok']),
    );
    t.true(result.kernels.every((k) => k.backend.startsWith('gpu.js:') && k.ms > 0 && k.throughput > 0));
    t.true(result.memoryCopyGBs > 0);
    t.deepEqual(result.webgpu, { available: false, reason: 'not tried (--no-webgpu)' });
    t.true(result.inference.runs.length >= 1);
    t.true(result.inference.runs.every((r) => r.check === 'ok' && r.rowsPerSec > 0));
    // Asked for a GPU, ONNX Runtime either ran CUDA or says why it did not.
    const asGpu = result.inference.runs[0]!;
    t.true(asGpu.backend === 'onnxruntime:cuda' || asGpu.fallbackReasons.some((r) => r.startsWith('cuda:')));
    t.deepEqual(result.failures, []);
    t.regex(run.stdout, /GPU backend \| GPU ms/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the GPU check names an unknown argument and exits 2', (t) => {
  const run = runCheck(['--size=huge']);
  t.is(run.status, 2);
  t.regex(run.stderr, /unknown argument "--size=huge"/);
});

test('element-wise results within 1e-5 relative pass; a larger error or a lost NaN is named', (t) => {
  const expected = [1, -2, Number.NaN, 0];
  t.is(elementwiseMismatch([1 + 5e-6, -2, Number.NaN, 5e-7], expected), undefined);
  t.regex(elementwiseMismatch([1 + 5e-5, -2, Number.NaN, 0], expected) ?? '', /^index 0: /);
  t.regex(elementwiseMismatch([1, -2, 0, 0], expected) ?? '', /^index 2: /);
});

test('a matmul cell off by more than 1e-5 of its summed terms is named; float32 rounding is not', (t) => {
  const a = randomMatrix(6, 40, 1);
  const b = randomMatrix(40, 5, 2);
  const expected = matmulReference(a, b);
  const rows = [0, 1, 2, 3, 4, 5];
  t.is(matmulMismatch(a, b, Float32Array.from(expected), expected, rows), undefined);
  const wrong = Float32Array.from(expected);
  wrong[2 * 5 + 3]! += 0.01;
  t.regex(matmulMismatch(a, b, wrong, expected, rows) ?? '', /^row 2 column 3: /);
});

test('cosine-topk with a wrong row or score is named', (t) => {
  const queries = randomMatrix(3, 16, 3);
  const corpus = randomMatrix(50, 16, 4);
  const expected = cosineTopkReference(queries, corpus, 4);
  t.is(topkMismatch(queries, corpus, 4, Float32Array.from(expected), expected, [0, 1, 2]), undefined);
  const wrongRow = Float32Array.from(expected);
  wrongRow[1 * 8 + 0] = expected[1 * 8 + 3]!;
  t.regex(topkMismatch(queries, corpus, 4, wrongRow, expected, [0, 1, 2]) ?? '', /^query 1 rank 0: row /);
  const wrongScore = Float32Array.from(expected);
  wrongScore[2 * 8 + 4]! -= 1e-3;
  t.regex(topkMismatch(queries, corpus, 4, wrongScore, expected, [0, 1, 2]) ?? '', /^query 2 rank 0: score /);
});

test('WebGPU is either installed with its adapter or reported unavailable with a reason', async (t) => {
  const probe = await installNodeWebGpu(10_000);
  try {
    if (probe.available) t.true('gpu' in globalThis.navigator);
    else {
      t.true(probe.reason.length > 0);
      t.false('gpu' in globalThis.navigator);
    }
  } finally {
    uninstallNodeWebGpu();
  }
  t.false('gpu' in globalThis.navigator);
});

test('the bundle carries the check, the kernels and the packages they load, and nothing of the API', (t) => {
  const { files, packages } = importClosure(['bench/gpu-check.ts']);
  for (const file of ['bench/gpu-check.ts', 'kernels/registry.ts', 'kernels/gpujs/node-webgpu.ts']) {
    t.true(files.includes(file), file);
  }
  t.false(files.some((file) => file.startsWith('api/') || file.startsWith('runner/')));
  t.deepEqual(packages, ['gpu.js', 'onnx-proto', 'onnxruntime-node']);
});
