// A pod's status as an attempt's state: waiting, running, or ended with an outcome. The runner's own report
// (the termination message) wins; without one, Kubernetes' reasons and the exit code decide.
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { type AttemptFailure, type AttemptReport, EXIT_INTERRUPTED } from '../../../runner/protocol.ts';
import type { AttemptOutcome } from '../executor.ts';
import { RUNNER_CONTAINER } from './labels.ts';

export type PodState = { kind: 'waiting' } | { kind: 'running' } | { kind: 'ended'; outcome: AttemptOutcome };

/** Codes of attempt failures that Kubernetes, not the runner, decided. */
export const KUBE_FAILURES = {
  /** The kubelet evicted the pod (node pressure, drain). */
  EVICTED: true,
  /** activeDeadlineSeconds (the job's timeoutSeconds) passed: ATTEMPT_TIMEOUT_CODE, never retried. */
  TIMEOUT: false,
  /** Out of memory: the same memoryMiB would fail again. */
  OOM_KILLED: false,
  /** The kubelet refused the pod (e.g. OutOfnvidia.com/gpu): the node's state differed from the model. */
  NODE_REJECTED: true,
  /** The runner exited without a report (crash, kill). */
  RUNNER_CRASHED: true,
  /** The pod vanished without an end (deleted by someone else). */
  POD_DELETED: true,
  /** The API refused the pod (invalid manifest, quota, admission): the same pod would be refused again. */
  POD_REJECTED: false,
  /** The placement cannot be expressed on this pool (a GPU share without gpuSharing). */
  UNSUPPORTED_PLACEMENT: false,
  /** The image could not be pulled (the kubelet is backing off): the registry may answer next time. */
  IMAGE_PULL_FAILED: true,
  /** The container cannot be created as specified (bad image name, missing config): it never will be. */
  CONTAINER_INVALID: false,
} as const satisfies Record<string, boolean>;

export type KubeFailureCode = keyof typeof KUBE_FAILURES;

export function kubeFailure(code: KubeFailureCode, message: string, exitCode?: number): AttemptOutcome {
  return {
    kind: 'failed',
    failure: { code, message, retryable: KUBE_FAILURES[code] },
    ...(exitCode === undefined ? {} : { exitCode }),
  };
}

/** The node went away or stopped reporting: run it elsewhere, without using a retry. */
export function nodeLost(reason: string): AttemptOutcome {
  return { kind: 'lost', code: 'NODE_LOST', reason };
}

export function podState(pod: V1Pod): PodState {
  const phase = pod.status?.phase;
  const container = runnerStatus(pod);
  if (phase === 'Succeeded' || phase === 'Failed')
    return { kind: 'ended', outcome: endedOutcome(pod, container) };
  if (container?.state?.terminated) return { kind: 'ended', outcome: endedOutcome(pod, container) };
  if (phase === 'Running' && container?.state?.running) return { kind: 'running' };
  const waiting = container?.state?.waiting;
  const stuck = waiting?.reason ? STUCK[waiting.reason] : undefined;
  if (stuck)
    return {
      kind: 'ended',
      outcome: kubeFailure(stuck, `${waiting?.reason}: ${waiting?.message ?? ''}`.trim()),
    };
  return { kind: 'waiting' };
}

/** Waiting reasons after which the container will not start by itself (ErrImagePull is retried first). */
const STUCK: Record<string, KubeFailureCode> = {
  ImagePullBackOff: 'IMAGE_PULL_FAILED',
  InvalidImageName: 'CONTAINER_INVALID',
  ErrImageNeverPull: 'CONTAINER_INVALID',
  CreateContainerConfigError: 'CONTAINER_INVALID',
};

function runnerStatus(pod: V1Pod): V1ContainerStatus | undefined {
  const statuses = pod.status?.containerStatuses ?? [];
  return statuses.find((s) => s.name === RUNNER_CONTAINER) ?? statuses[0];
}

function endedOutcome(pod: V1Pod, container: V1ContainerStatus | undefined): AttemptOutcome {
  const terminated = container?.state?.terminated;
  const exitCode = terminated?.exitCode;
  const report = parseReport(terminated?.message);
  const podReason = pod.status?.reason;
  const disrupted = (pod.status?.conditions ?? []).find(
    (c) => c.type === 'DisruptionTarget' && c.status === 'True',
  );
  // Kubernetes' own verdicts first: the runner's report cannot know it was killed for a deadline.
  if (podReason === 'DeadlineExceeded')
    return kubeFailure(
      'TIMEOUT',
      `attempt exceeded timeoutSeconds (${pod.spec?.activeDeadlineSeconds} s)`,
      exitCode,
    );
  if (podReason === 'Evicted')
    return kubeFailure('EVICTED', pod.status?.message ?? 'the pod was evicted', exitCode);
  if (
    podReason?.startsWith('OutOf') ||
    podReason === 'NodeAffinity' ||
    podReason === 'UnexpectedAdmissionError'
  )
    return kubeFailure('NODE_REJECTED', `${podReason}: ${pod.status?.message ?? ''}`.trim(), exitCode);
  if (disrupted && report?.type !== 'succeeded')
    return nodeLost(`the pod's node went away (${disrupted.reason ?? 'DisruptionTarget'})`);
  if (report?.type === 'succeeded' && exitCode === 0) return { kind: 'succeeded', result: report.result };
  // SIGTERM from outside gpubatch (a node drain, someone deleting the pod): stopped with a checkpoint.
  if (report?.type === 'interrupted' || (!report && exitCode === EXIT_INTERRUPTED))
    return {
      kind: 'interrupted',
      by: 'terminated',
      reason: 'the pod was stopped (SIGTERM)',
      ...(report?.type === 'interrupted' && report.checkpoint ? { checkpoint: report.checkpoint } : {}),
    };
  if (report?.type === 'failed')
    return { kind: 'failed', failure: report.failure, ...(exitCode === undefined ? {} : { exitCode }) };
  if (terminated?.reason === 'OOMKilled')
    return kubeFailure(
      'OOM_KILLED',
      'the runner ran out of memory (OOMKilled); ask for more memoryMiB',
      exitCode,
    );
  if (exitCode === 0)
    return kubeFailure('RUNNER_CRASHED', 'the runner exited 0 without reporting a result', exitCode);
  const how =
    exitCode === undefined
      ? 'without an exit code'
      : exitCode === 137
        ? 'killed (exit code 137)'
        : `with exit code ${exitCode}`;
  return kubeFailure(
    'RUNNER_CRASHED',
    `the runner exited ${how}${terminated?.reason ? ` (${terminated.reason})` : ''}`,
    exitCode,
  );
}

/** The runner's report from a termination message; undefined when absent or not one. */
export function parseReport(message: string | undefined): AttemptReport | undefined {
  if (!message) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const report = value as Partial<AttemptReport> & Record<string, unknown>;
  if (report.type === 'succeeded' && isSuccess(report.result)) return report as AttemptReport;
  if (report.type === 'failed' && isFailure(report.failure)) return report as AttemptReport;
  if (report.type === 'interrupted') return report as AttemptReport;
  return undefined;
}

function isSuccess(value: unknown): boolean {
  const v = value as Record<string, unknown> | undefined;
  return typeof v?.backend === 'string' && typeof v.output === 'string' && typeof v.rows === 'number';
}

function isFailure(value: unknown): value is AttemptFailure {
  const v = value as Record<string, unknown> | undefined;
  return typeof v?.code === 'string' && typeof v.message === 'string' && typeof v.retryable === 'boolean';
}
