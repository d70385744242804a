// One attempt as one Pod, bound to the node the core chose (spec.nodeName: no kube-scheduler involved),
// running the runner once with the AttemptRequest in its environment. Pod Security "restricted", no
// service-account token, restartPolicy Never (a retry is a new attempt, decided by gpubatch).
import type { V1Pod } from '@kubernetes/client-node';
import { ARRAY_INDEX_VARIABLES } from '../../../api/schemas/array-spec.ts';
import type { AttemptRequest } from '../../../runner/protocol.ts';
import type { Placement } from '../../core/types.ts';
import {
  ATTEMPT_ENV,
  ATTEMPT_LABEL,
  CPU_MILLI_ANNOTATION,
  GPU_INDICES_ANNOTATION,
  GPU_MILLI_ANNOTATION,
  GPU_RESOURCE,
  JOB_LABEL,
  labelValue,
  MEMORY_MIB_ANNOTATION,
  podName,
  QUEUE_LABEL,
  RUNNER_CONTAINER,
  TERMINATION_MESSAGE_PATH,
} from './labels.ts';
import type { Toleration } from './node-state.ts';

export interface PodSettings {
  namespace: string;
  image: string;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** GPUs by index in NVIDIA_VISIBLE_DEVICES instead of nvidia.com/gpu requests (see gpuDevices). */
  gpuSharing: boolean;
  tolerations: readonly Toleration[];
  terminationGraceSeconds: number;
  dataVolumeClaim?: string;
  serviceAccountName?: string;
  /** The runner's command in the image (its working directory is the image's). */
  command?: string[];
}

export const DEFAULT_RUNNER_COMMAND = ['node', 'runner/main.ts'];

/** Why this placement cannot run on this pool, or undefined. */
export function placementProblem(
  placement: Placement,
  settings: Pick<PodSettings, 'gpuSharing'>,
): string | undefined {
  if (placement.gpuMilliPerGpu < 1000 && placement.gpuIndices.length > 0 && !settings.gpuSharing)
    return 'a GPU share (gpuMilli) needs a compute environment with gpuSharing: true; ask for whole GPUs (gpus) here';
  return undefined;
}

export function podManifest(request: AttemptRequest, placement: Placement, settings: PodSettings): V1Pod {
  const { spec } = request;
  const whole = placement.gpuIndices.length > 0 && placement.gpuMilliPerGpu >= 1000;
  // Without sharing the device plugin picks the devices, so the core's indices are bookkeeping only (the
  // count per node matches). With sharing gpubatch is the only GPU allocator on the node.
  const gpuRequest: Record<string, string> =
    whole && !settings.gpuSharing ? { [GPU_RESOURCE]: String(placement.gpuIndices.length) } : {};
  const visible =
    settings.gpuSharing || placement.gpuIndices.length === 0
      ? [{ name: 'NVIDIA_VISIBLE_DEVICES', value: placement.gpuIndices.join(',') || 'void' }]
      : [];
  const memory = `${placement.memoryMiB}Mi`;
  const volumes = settings.dataVolumeClaim
    ? [{ name: 'data', persistentVolumeClaim: { claimName: settings.dataVolumeClaim } }]
    : [];
  const mounts = settings.dataVolumeClaim ? [{ name: 'data', mountPath: request.cwd }] : [];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podName(request.jobId, request.attempt),
      namespace: settings.namespace,
      labels: {
        [JOB_LABEL]: request.jobId,
        [ATTEMPT_LABEL]: String(request.attempt),
        [QUEUE_LABEL]: labelValue(spec.queue),
      },
      annotations: {
        [GPU_INDICES_ANNOTATION]: placement.gpuIndices.join(','),
        [GPU_MILLI_ANNOTATION]: String(placement.gpuMilliPerGpu),
        [CPU_MILLI_ANNOTATION]: String(placement.cpuMilli),
        [MEMORY_MIB_ANNOTATION]: String(placement.memoryMiB),
      },
    },
    spec: {
      nodeName: placement.node,
      restartPolicy: 'Never',
      activeDeadlineSeconds: spec.timeoutSeconds,
      terminationGracePeriodSeconds: settings.terminationGraceSeconds,
      ...(settings.serviceAccountName ? { serviceAccountName: settings.serviceAccountName } : {}),
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      tolerations: settings.tolerations.map((t) => ({ ...t })),
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: RUNNER_CONTAINER,
          image: settings.image,
          imagePullPolicy: settings.imagePullPolicy,
          command: settings.command ?? DEFAULT_RUNNER_COMMAND,
          env: [{ name: ATTEMPT_ENV, value: JSON.stringify(request) }, ...arrayIndexEnv(request), ...visible],
          resources: {
            requests: { cpu: `${placement.cpuMilli}m`, memory, ...gpuRequest },
            // Memory limited at the request: a job that outgrows it is OOMKilled, not its neighbours.
            limits: { memory, ...gpuRequest },
          },
          terminationMessagePath: TERMINATION_MESSAGE_PATH,
          terminationMessagePolicy: 'File',
          securityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ['ALL'] },
            runAsNonRoot: true,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...mounts],
        },
      ],
      volumes: [{ name: 'tmp', emptyDir: {} }, ...volumes],
    },
  };
}

/** An array child's index, as AWS Batch gives it to the container (and under gpubatch's own name). */
function arrayIndexEnv(request: AttemptRequest): Array<{ name: string; value: string }> {
  if (request.arrayIndex === undefined) return [];
  return ARRAY_INDEX_VARIABLES.map((name) => ({ name, value: String(request.arrayIndex) }));
}
