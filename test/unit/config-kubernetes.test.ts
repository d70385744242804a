// Compute environments of type kubernetes in the service's YAML: defaults, and errors that name the field.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ConfigError, loadConfig } from '../../scheduler/config.ts';

function load(yaml: string) {
  const path = join(mkdtempSync(join(tmpdir(), 'gpubatch-config-')), 'gpubatch.yaml');
  writeFileSync(path, yaml);
  return loadConfig({ GPUBATCH_CONFIG: path });
}

const pool = (extra = '') =>
  [
    'queues: [{ name: default, computeEnvironment: gpu }]',
    'computeEnvironments:',
    '  - name: gpu',
    '    type: kubernetes',
    '    image: ghcr.io/example/gpubatch:1.0',
    '    nodeSelector: { gpubatch.io/pool: a100 }',
    extra,
  ].join('\n');

test('a kubernetes pool gets its documented defaults', (t) => {
  const ce = load(pool()).computeEnvironments[0];
  t.like(ce, {
    type: 'kubernetes',
    image: 'ghcr.io/example/gpubatch:1.0',
    nodeSelector: { 'gpubatch.io/pool': 'a100' },
    tolerations: [],
    gpuSharing: false,
    imagePullPolicy: 'IfNotPresent',
    terminationGraceSeconds: 30,
    nodeLostSeconds: 40,
    finishedPodRetentionSeconds: 300,
    maxConcurrentRequests: 32,
  });
  t.is(
    ce?.type === 'kubernetes' ? ce.kubeconfigPath : 'x',
    undefined,
    'in-cluster unless a kubeconfig is named',
  );
});

test('tolerations and gpuSharing are read', (t) => {
  const ce = load(
    pool(
      [
        '    gpuSharing: true',
        '    tolerations: [{ key: nvidia.com/gpu, operator: Exists, effect: NoSchedule }]',
      ].join('\n'),
    ),
  ).computeEnvironments[0];
  t.like(ce, {
    gpuSharing: true,
    tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
  });
});

test('a kubernetes pool without an image is refused, naming the field', (t) => {
  const yaml =
    'computeEnvironments: [{ name: gpu, type: kubernetes }]\nqueues: [{ name: q, computeEnvironment: gpu }]\n';
  t.throws(() => load(yaml), { instanceOf: ConfigError, message: /computeEnvironments\.0\.image/ });
});

test('a bad toleration effect and an unknown field are refused, naming them', (t) => {
  t.throws(() => load(pool('    tolerations: [{ key: a, effect: Sometimes }]')), {
    message: /computeEnvironments\.0\.tolerations\.0\.effect/,
  });
  t.throws(() => load(pool('    nodeSelectr: {}')), { message: /nodeSelectr/ });
});

test('an unknown compute environment type is refused', (t) => {
  t.throws(() => load('computeEnvironments: [{ name: x, type: slurm }]\n'), {
    instanceOf: ConfigError,
    message: /computeEnvironments\.0\.type/,
  });
});
