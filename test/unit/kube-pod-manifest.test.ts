// One attempt as one Pod: bound to the chosen node, the job in its environment, GPUs requested the way
// the pool allocates them, restricted security, no service-account token.
import type { V1Pod } from '@kubernetes/client-node';
import test from 'ava';
import type { AttemptRequest } from '../../runner/protocol.ts';
import type { Placement } from '../../scheduler/core/types.ts';
import {
  type PodSettings,
  placementProblem,
  podManifest,
} from '../../scheduler/executors/kubernetes/pod-manifest.ts';
import { kernelJobSpec } from '../support/job-specs.ts';

const settings: PodSettings = {
  namespace: 'batch',
  image: 'gpubatch:1.0',
  imagePullPolicy: 'IfNotPresent',
  gpuSharing: false,
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpubatch', effect: 'NoSchedule' }],
  terminationGraceSeconds: 45,
};

function request(overrides: Partial<AttemptRequest> = {}): AttemptRequest {
  return {
    jobId: '0b6f3d2e-8c1a-4f5e-9d7b-2a3c4e5f6a7b',
    attempt: 2,
    spec: kernelJobSpec({ queue: 'research', timeoutSeconds: 600 }),
    cwd: '/data',
    gpuIndices: [2, 3],
    ...overrides,
  };
}

function placement(overrides: Partial<Placement> = {}): Placement {
  return {
    jobId: 'j',
    node: 'gpu-7',
    gpuIndices: [2, 3],
    gpuMilliPerGpu: 1000,
    cpuMilli: 4000,
    memoryMiB: 8192,
    ...overrides,
  };
}

const container = (pod: V1Pod) => pod.spec!.containers[0]!;
const env = (pod: V1Pod, name: string) => container(pod).env?.find((e) => e.name === name)?.value;

test('the pod is bound to the chosen node, named and labelled after its job and attempt', (t) => {
  const pod = podManifest(request(), placement(), settings);
  t.is(pod.spec?.nodeName, 'gpu-7');
  t.is(pod.metadata?.name, 'gpubatch-0b6f3d2e-8c1a-4f5e-9d7b-2a3c4e5f6a7b-2');
  t.is(pod.metadata?.namespace, 'batch');
  t.deepEqual(pod.metadata?.labels, {
    'gpubatch.io/job': '0b6f3d2e-8c1a-4f5e-9d7b-2a3c4e5f6a7b',
    'gpubatch.io/attempt': '2',
    'gpubatch.io/queue': 'research',
  });
  t.is(
    pod.metadata?.annotations?.['gpubatch.io/gpu-indices'],
    '2,3',
    'what a restarted leader rebuilds its model from',
  );
});

test('an array child sees its index as GPUBATCH_ARRAY_INDEX and AWS_BATCH_JOB_ARRAY_INDEX; other jobs see neither', (t) => {
  const child = podManifest(request({ arrayIndex: 7 }), placement(), settings);
  t.is(env(child, 'GPUBATCH_ARRAY_INDEX'), '7');
  t.is(env(child, 'AWS_BATCH_JOB_ARRAY_INDEX'), '7');
  const plain = podManifest(request(), placement(), settings);
  t.is(env(plain, 'GPUBATCH_ARRAY_INDEX'), undefined);
  t.is(env(plain, 'AWS_BATCH_JOB_ARRAY_INDEX'), undefined);
});

test('the runner gets the AttemptRequest and reports through the termination message', (t) => {
  const pod = podManifest(request(), placement(), settings);
  t.deepEqual(JSON.parse(env(pod, 'GPUBATCH_ATTEMPT')!), request());
  t.is(container(pod).terminationMessagePath, '/dev/termination-log');
  t.is(pod.spec?.restartPolicy, 'Never', 'a retry is a new attempt, decided by gpubatch');
});

test('whole GPUs are nvidia.com/gpu requests and limits; memory is limited at its request', (t) => {
  const { resources } = container(podManifest(request(), placement(), settings));
  t.deepEqual(resources?.requests, { cpu: '4000m', memory: '8192Mi', 'nvidia.com/gpu': '2' });
  t.deepEqual(resources?.limits, { memory: '8192Mi', 'nvidia.com/gpu': '2' });
});

test('a job without GPUs asks for none and sees none', (t) => {
  const pod = podManifest(
    request({ gpuIndices: [] }),
    placement({ gpuIndices: [], gpuMilliPerGpu: 0 }),
    settings,
  );
  t.is(container(pod).resources?.requests?.['nvidia.com/gpu'], undefined);
  t.is(env(pod, 'NVIDIA_VISIBLE_DEVICES'), 'void');
});

test('on a sharing pool GPUs are given by index, for shares and whole GPUs alike, with no device-plugin request', (t) => {
  const sharing = { ...settings, gpuSharing: true };
  const share = podManifest(
    request({ gpuIndices: [5] }),
    placement({ gpuIndices: [5], gpuMilliPerGpu: 250 }),
    sharing,
  );
  t.is(env(share, 'NVIDIA_VISIBLE_DEVICES'), '5');
  t.is(container(share).resources?.requests?.['nvidia.com/gpu'], undefined);
  const whole = podManifest(request(), placement(), sharing);
  t.is(env(whole, 'NVIDIA_VISIBLE_DEVICES'), '2,3');
  t.is(container(whole).resources?.requests?.['nvidia.com/gpu'], undefined);
});

test('a GPU share on a pool without gpuSharing is refused with a reason', (t) => {
  t.regex(
    placementProblem(placement({ gpuIndices: [1], gpuMilliPerGpu: 500 }), settings) ?? '',
    /gpuSharing: true/,
  );
  t.is(placementProblem(placement(), settings), undefined);
  t.is(
    placementProblem(placement({ gpuIndices: [1], gpuMilliPerGpu: 500 }), { gpuSharing: true }),
    undefined,
  );
});

test('timeout, grace period, tolerations, restricted security and no service-account token', (t) => {
  const pod = podManifest(request(), placement(), settings);
  t.is(pod.spec?.activeDeadlineSeconds, 600);
  t.is(pod.spec?.terminationGracePeriodSeconds, 45);
  t.deepEqual(pod.spec?.tolerations, [
    { key: 'dedicated', operator: 'Equal', value: 'gpubatch', effect: 'NoSchedule' },
  ]);
  t.false(pod.spec?.automountServiceAccountToken);
  t.true(pod.spec?.securityContext?.runAsNonRoot);
  const security = container(pod).securityContext;
  t.false(security?.allowPrivilegeEscalation);
  t.deepEqual(security?.capabilities?.drop, ['ALL']);
  t.is(security?.seccompProfile?.type, 'RuntimeDefault');
});

test('queue names that are not valid label values are shortened to one', (t) => {
  const long = 'q'.repeat(70);
  const pod = podManifest(request({ spec: kernelJobSpec({ queue: long }) }), placement(), settings);
  t.is(pod.metadata?.labels?.['gpubatch.io/queue'], 'q'.repeat(63));
});

test('a data volume claim is mounted at the working directory the job paths resolve against', (t) => {
  const pod = podManifest(request(), placement(), { ...settings, dataVolumeClaim: 'gpubatch-data' });
  t.deepEqual(pod.spec?.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim, {
    claimName: 'gpubatch-data',
  });
  t.is(container(pod).volumeMounts?.find((m) => m.name === 'data')?.mountPath, '/data');
});

test('a configured service account is used, still without its token', (t) => {
  const pod = podManifest(request(), placement(), { ...settings, serviceAccountName: 'gpubatch-runner' });
  t.is(pod.spec?.serviceAccountName, 'gpubatch-runner');
  t.false(pod.spec?.automountServiceAccountToken);
  t.is(podManifest(request(), placement(), settings).spec?.serviceAccountName, undefined);
});
