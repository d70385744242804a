import test from 'ava';
import { destroySharedGpu } from '../../kernels/gpujs/gpu-instance.ts';
import type { KernelContext } from '../../kernels/kernel-definition.ts';
import { createMatrix } from '../../kernels/matrix.ts';
import { getKernel } from '../../kernels/registry.ts';

test.after.always(() => destroySharedGpu());

const matrix = createMatrix(
  8,
  4,
  Float32Array.from({ length: 32 }, (_, i) => i % 5),
);
const cases = [
  { kernel: 'minmax', params: {} },
  { kernel: 'impute', params: { strategy: 'median' } },
  { kernel: 'profile', params: {} },
  { kernel: 'matmul', params: { b: 'b.npy' }, second: createMatrix(4, 3) },
  { kernel: 'cosine-topk', params: { corpus: 'c.npy', k: 2 }, second: matrix },
];

for (const { kernel, params, second } of cases) {
  test(`${kernel}: an aborted signal stops the run with an AbortError`, async (t) => {
    const controller = new AbortController();
    controller.abort();
    const context: KernelContext = { signal: controller.signal, onProgress: () => {}, onBackend: () => {} };
    const definition = getKernel(kernel)!;
    const parsed = definition.parseParams(params);
    t.true(parsed.ok);
    if (!parsed.ok) return;
    await t.throwsAsync(() => definition.run(matrix, parsed.params, context, second), { name: 'AbortError' });
  });
}
