// A pod's status as an attempt's state. The runner's report (termination message) wins for its own
// results; Kubernetes' verdicts (deadline, eviction, node loss, OOM) and the exit code decide otherwise.
import type { V1ContainerState, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import test from 'ava';
import { parseReport, podState } from '../../scheduler/executors/kubernetes/pod-outcome.ts';

interface Ended {
  phase?: 'Succeeded' | 'Failed';
  exitCode?: number;
  reason?: string;
  message?: string;
  podReason?: string;
  disruption?: string;
}

/** The runner container's status, in `state`. */
function runnerContainer(state: V1ContainerState): V1ContainerStatus {
  return { name: 'runner', image: 'i', imageID: '', ready: false, restartCount: 0, state };
}

function endedPod(ended: Ended): V1Pod {
  const phase = ended.phase ?? (ended.exitCode === 0 ? 'Succeeded' : 'Failed');
  return {
    spec: { containers: [{ name: 'runner' }], activeDeadlineSeconds: 60 },
    status: {
      phase,
      ...(ended.podReason ? { reason: ended.podReason, message: `${ended.podReason} happened` } : {}),
      conditions: ended.disruption
        ? [{ type: 'DisruptionTarget', status: 'True', reason: ended.disruption }]
        : [],
      containerStatuses: [
        runnerContainer(
          ended.exitCode === undefined
            ? { waiting: { reason: 'ContainerCreating' } }
            : { terminated: { exitCode: ended.exitCode, reason: ended.reason, message: ended.message } },
        ),
      ],
    },
  } as V1Pod;
}

const success = { backend: 'gpu.js:cpu', output: '/data/out.npy', rows: 10 };
const outcome = (pod: V1Pod) => {
  const state = podState(pod);
  if (state.kind !== 'ended') throw new Error(`pod has not ended: ${state.kind}`);
  return state.outcome;
};
const failure = (pod: V1Pod) => {
  const o = outcome(pod);
  if (o.kind !== 'failed') throw new Error(`expected a failure, got ${o.kind}`);
  return { ...o.failure, exitCode: o.exitCode };
};

test('pending and running pods have not ended', (t) => {
  t.is(podState({ status: { phase: 'Pending' } }).kind, 'waiting');
  const running: V1Pod = {
    status: {
      phase: 'Running',
      containerStatuses: [
        { name: 'runner', image: 'i', imageID: '', ready: true, restartCount: 0, state: { running: {} } },
      ],
    },
  };
  t.is(podState(running).kind, 'running');
});

test("exit 0 with the runner's report: succeeded with its result", (t) => {
  const pod = endedPod({ exitCode: 0, message: JSON.stringify({ type: 'succeeded', result: success }) });
  t.deepEqual(outcome(pod), { kind: 'succeeded', result: success });
});

test("the runner's typed failure keeps its code and retryability", (t) => {
  const report = {
    type: 'failed',
    failure: { code: 'BAD_PARAMS', message: 'no such column', retryable: false },
  };
  t.like(failure(endedPod({ exitCode: 1, message: JSON.stringify(report) })), {
    code: 'BAD_PARAMS',
    retryable: false,
    exitCode: 1,
  });
});

test('without a report the exit code decides: a crash is retryable and says how it ended', (t) => {
  t.like(failure(endedPod({ exitCode: 3, reason: 'Error' })), {
    code: 'RUNNER_CRASHED',
    retryable: true,
    exitCode: 3,
  });
  t.regex(failure(endedPod({ exitCode: 137, reason: 'Error' })).message, /killed \(exit code 137\)/);
  t.like(failure(endedPod({ exitCode: 0, message: 'not json' })), {
    code: 'RUNNER_CRASHED',
    retryable: true,
  });
});

test('OOMKilled is not retried: the same memory would fail again', (t) => {
  t.like(failure(endedPod({ exitCode: 137, reason: 'OOMKilled' })), {
    code: 'OOM_KILLED',
    retryable: false,
    exitCode: 137,
  });
});

test("DeadlineExceeded is the job's timeout (never retried), even if the runner managed to report", (t) => {
  const report = JSON.stringify({
    type: 'failed',
    failure: { code: 'CANCELLED', message: 'x', retryable: false },
  });
  t.like(failure(endedPod({ exitCode: 137, podReason: 'DeadlineExceeded', message: report })), {
    code: 'TIMEOUT',
    retryable: false,
  });
});

test('evictions and kubelet rejections are retryable failures; a pod collected with its node is lost, not failed', (t) => {
  t.like(failure(endedPod({ phase: 'Failed', podReason: 'Evicted' })), { code: 'EVICTED', retryable: true });
  t.like(failure(endedPod({ phase: 'Failed', podReason: 'OutOfnvidia.com/gpu' })), {
    code: 'NODE_REJECTED',
    retryable: true,
  });
  t.like(outcome(endedPod({ phase: 'Failed', exitCode: 137, disruption: 'DeletionByPodGC' })), {
    kind: 'lost',
    code: 'NODE_LOST',
  });
});

test('a report is only taken when it has the shape of one', (t) => {
  t.is(parseReport(undefined), undefined);
  t.is(parseReport('{"type":"succeeded","result":{"backend":"x"}}'), undefined);
  t.is(parseReport('[1]'), undefined);
  t.deepEqual(parseReport(JSON.stringify({ type: 'succeeded', result: success })), {
    type: 'succeeded',
    result: success,
  });
});

function waitingPod(reason: string, message = ''): V1Pod {
  return {
    status: {
      phase: 'Pending',
      containerStatuses: [runnerContainer({ waiting: { reason, message } })],
    },
  };
}

test('a container that will not start ends the attempt: image pulls retried, bad specs not', (t) => {
  t.is(podState(waitingPod('ContainerCreating')).kind, 'waiting');
  t.is(podState(waitingPod('ErrImagePull')).kind, 'waiting', 'the kubelet tries again first');
  t.like(failure(waitingPod('ImagePullBackOff', 'Back-off pulling image')), {
    code: 'IMAGE_PULL_FAILED',
    retryable: true,
  });
  t.like(failure(waitingPod('InvalidImageName')), { code: 'CONTAINER_INVALID', retryable: false });
  t.like(failure(waitingPod('CreateContainerConfigError')), { code: 'CONTAINER_INVALID', retryable: false });
});

test('a runner stopped by SIGTERM from outside reports an interruption with its checkpoint', (t) => {
  const report = { type: 'interrupted', checkpoint: { nextRow: 40, start: 0, end: 100 } };
  t.deepEqual(outcome(endedPod({ exitCode: 75, message: JSON.stringify(report) })), {
    kind: 'interrupted',
    by: 'terminated',
    reason: 'the pod was stopped (SIGTERM)',
    checkpoint: { nextRow: 40, start: 0, end: 100 },
  });
  t.like(outcome(endedPod({ exitCode: 75 })), { kind: 'interrupted', by: 'terminated' });
});
