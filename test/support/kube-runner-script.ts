// The fake kubelet standing in for the one-shot runner in a gpubatch job pod: it reads the AttemptRequest
// from the pod's environment and "runs" it as the job's `params.fake` says (default: succeed quickly),
// leaving the report in the termination message as runner/one-shot.ts does.

import type { AttemptReport, AttemptRequest } from '../../runner/protocol.ts';
import type { PodScript } from './fake-kube/index.ts';
import type { KubeObject } from './fake-kube/resources.ts';

/** What a test job asks the fake runner to do: PodScript fields, plus a runner failure to report. */
export interface FakeRun extends PodScript {
  fail?: { code: string; retryable: boolean };
  /** No report at all (a crash before writing one). */
  silent?: boolean;
}

export function attemptOf(pod: KubeObject): AttemptRequest | undefined {
  const env = (pod.spec?.containers?.[0]?.env ?? []) as Array<{ name: string; value?: string }>;
  const json = env.find((e) => e.name === 'GPUBATCH_ATTEMPT')?.value;
  return json ? (JSON.parse(json) as AttemptRequest) : undefined;
}

export function fakeRunnerScript(pod: KubeObject): PodScript | undefined {
  const request = attemptOf(pod);
  if (!request) return undefined;
  const fake = (request.spec.params.fake ?? {}) as FakeRun;
  const { fail, silent, ...script } = fake;
  const report: AttemptReport = fail
    ? { type: 'failed', failure: { ...fail, message: `fake runner failed with ${fail.code}` } }
    : {
        type: 'succeeded',
        result: {
          backend: 'fake-kubelet',
          output: `${request.cwd}/${request.spec.output}`,
          rows: request.attempt,
        },
      };
  return {
    exitCode: fail ? 1 : 0,
    ...(silent ? {} : { message: JSON.stringify(report) }),
    logs: [`attempt ${request.attempt} of ${request.jobId}`],
    ...script,
  };
}
