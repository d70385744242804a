// Job attempt logs from Kubernetes: the attempt's pod log (container `runner`), through client-node's Log.
import type { Writable } from 'node:stream';
import { type KubeConfig, Log } from '@kubernetes/client-node';
import { ApiError, NotFoundError } from '../../../api/errors.ts';
import type { JobLogs, LogOptions } from '../../../api/job-logs.ts';
import { statusCode } from './api-retry.ts';
import { podName, RUNNER_CONTAINER } from './labels.ts';

export class PodLogSource implements JobLogs {
  private readonly log: Log;
  private readonly namespace: string;

  constructor(kubeconfig: KubeConfig, namespace: string) {
    this.log = new Log(kubeconfig);
    this.namespace = namespace;
  }

  async stream(jobId: string, attempt: number, options: LogOptions, out: Writable): Promise<() => void> {
    const pod = podName(jobId, attempt);
    try {
      const controller = await this.log.log(this.namespace, pod, RUNNER_CONTAINER, out, {
        follow: options.follow,
        ...(options.tailLines ? { tailLines: options.tailLines } : {}),
      });
      return () => controller.abort();
    } catch (error) {
      const code = statusCode(error);
      if (code === 404)
        throw new NotFoundError(
          `the pod of attempt ${attempt} (${pod}) is gone: finished pods are kept for finishedPodRetentionSeconds`,
        );
      if (code === 400)
        throw new ApiError(
          409,
          'Conflict',
          `attempt ${attempt} has not started running yet (${pod}); try again soon`,
        );
      if (code === 401 || code === 403)
        throw new ApiError(
          502,
          'Bad gateway',
          `Kubernetes refused to read the log of ${pod} (HTTP ${code}): this process's service account needs "get" on pods/log in namespace ${this.namespace}`,
        );
      throw new ApiError(
        502,
        'Bad gateway',
        `could not read the log of ${pod} from Kubernetes (HTTP ${code ?? '?'})`,
      );
    }
  }
}
