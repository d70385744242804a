// A Kubernetes Node as the core sees it: allocatable capacity, the GPU model from GPU feature discovery,
// and whether it takes new work.
import type { V1Node } from '@kubernetes/client-node';
import test from 'ava';
import { toNodeState, untoleratedTaint } from '../../scheduler/executors/kubernetes/node-state.ts';
import { cpuMilli, memoryMiB } from '../../scheduler/executors/kubernetes/quantity.ts';
import { gpuNode } from '../support/fake-kube/index.ts';

const plain = { tolerations: [], gpuSharing: false };
const node = (...args: Parameters<typeof gpuNode>) => gpuNode(...args) as V1Node;

test('quantities: CPU in millicores and memory in MiB, in every suffix Kubernetes writes', (t) => {
  t.is(cpuMilli('64'), 64_000);
  t.is(cpuMilli('500m'), 500);
  t.is(cpuMilli('1.5'), 1500);
  t.is(memoryMiB('512Gi'), 512 * 1024);
  t.is(memoryMiB('1000Mi'), 1000);
  t.is(memoryMiB('2G'), Math.floor(2e9 / 2 ** 20));
  t.is(memoryMiB(String(3 * 2 ** 20)), 3);
  t.is(memoryMiB('1e9'), Math.floor(1e9 / 2 ** 20));
  t.is(cpuMilli('lots'), 0, 'not a quantity: no capacity rather than a guess');
});

test('capacity comes from allocatable: GPUs by index, CPU and memory', (t) => {
  const state = toNodeState(node('gpu-1', { gpus: 4, cpu: '32', memory: '256Gi' }), plain);
  t.is(state.name, 'gpu-1');
  t.deepEqual(
    state.gpus.map((g) => [g.index, g.freeMilli]),
    [
      [0, 1000],
      [1, 1000],
      [2, 1000],
      [3, 1000],
    ],
  );
  t.is(state.cpuMilliFree, 32_000);
  t.is(state.memoryMiBFree, 256 * 1024);
  t.falsy(state.unschedulable);
});

test('the GPU model is the short name of nvidia.com/gpu.product, as users write it in gpuModel', (t) => {
  t.is(toNodeState(node('a', { gpuProduct: 'NVIDIA-A100-SXM4-80GB' }), plain).gpus[0]?.model, 'A100');
  t.is(toNodeState(node('h', { gpuProduct: 'NVIDIA-H100-80GB-HBM3' }), plain).gpus[0]?.model, 'H100');
  t.is(toNodeState(node('h', { gpuMemoryMiB: 81559 }), plain).labels['nvidia.com/gpu.memory'], '81559');
});

test('a node without nvidia.com/gpu has no GPUs, unless a sharing pool reads the GPU count label', (t) => {
  const cpuOnly = toNodeState(node('cpu', { gpus: 0 }), plain);
  t.is(cpuOnly.gpus.length, 0);
  const unadvertised = node('shared', { gpus: 8 });
  delete unadvertised.status!.allocatable!['nvidia.com/gpu'];
  t.is(toNodeState(unadvertised, plain).gpus.length, 0);
  t.is(toNodeState(unadvertised, { tolerations: [], gpuSharing: true }).gpus.length, 8);
});

test('cordoned, NotReady and untolerated-taint nodes take no new work', (t) => {
  t.true(toNodeState(node('c', { unschedulable: true }), plain).unschedulable);
  t.true(toNodeState(node('r', { ready: false }), plain).unschedulable);
  const tainted = node('t', { taints: [{ key: 'dedicated', value: 'gpubatch', effect: 'NoSchedule' }] });
  t.true(toNodeState(tainted, plain).unschedulable);
  const tolerating = {
    tolerations: [
      { key: 'dedicated', operator: 'Equal' as const, value: 'gpubatch', effect: 'NoSchedule' as const },
    ],
    gpuSharing: false,
  };
  t.falsy(toNodeState(tainted, tolerating).unschedulable);
});

test('taints: PreferNoSchedule never excludes; Exists without a key tolerates everything', (t) => {
  t.is(untoleratedTaint([{ key: 'k', effect: 'PreferNoSchedule' }], []), undefined);
  t.is(untoleratedTaint([{ key: 'k', effect: 'NoExecute' }], [{ operator: 'Exists' }]), undefined);
  t.truthy(
    untoleratedTaint([{ key: 'k', effect: 'NoExecute' }], [{ operator: 'Exists', effect: 'NoSchedule' }]),
  );
  t.truthy(
    untoleratedTaint(
      [{ key: 'k', value: 'a', effect: 'NoSchedule' }],
      [{ key: 'k', operator: 'Equal', value: 'b' }],
    ),
  );
});
