// Names gpubatch puts on job pods: labels tie a pod to its job and attempt (the informer selects on
// them), annotations carry what the scheduler needs to rebuild its model from pods after a restart.

export const JOB_LABEL = 'gpubatch.io/job';
export const ATTEMPT_LABEL = 'gpubatch.io/attempt';
export const QUEUE_LABEL = 'gpubatch.io/queue';
/** Every gpubatch job pod has it: the one label selector of the pod informer. */
export const POD_SELECTOR = JOB_LABEL;

export const GPU_INDICES_ANNOTATION = 'gpubatch.io/gpu-indices';
export const GPU_MILLI_ANNOTATION = 'gpubatch.io/gpu-milli-per-gpu';
export const CPU_MILLI_ANNOTATION = 'gpubatch.io/cpu-milli';
export const MEMORY_MIB_ANNOTATION = 'gpubatch.io/memory-mib';

export const GPU_RESOURCE = 'nvidia.com/gpu';
export const GPU_PRODUCT_LABEL = 'nvidia.com/gpu.product';
export const GPU_MEMORY_LABEL = 'nvidia.com/gpu.memory';
export const GPU_COUNT_LABEL = 'nvidia.com/gpu.count';

/** The container that runs the runner; its termination message carries the attempt's result. */
export const RUNNER_CONTAINER = 'runner';
export const TERMINATION_MESSAGE_PATH = '/dev/termination-log';
/** The AttemptRequest JSON the one-shot runner reads. */
export const ATTEMPT_ENV = 'GPUBATCH_ATTEMPT';

/** Pod name of one attempt: the same name for the same attempt, so a retried create cannot start it twice. */
export function podName(jobId: string, attempt: number): string {
  return `gpubatch-${jobId.toLowerCase()}-${attempt}`;
}

/** A label value: at most 63 characters of [A-Za-z0-9._-], starting and ending alphanumeric. */
export function labelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}
