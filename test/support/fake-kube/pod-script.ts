// What the fake kubelet's "process" in a pod does: how long it runs, how it exits, what it logs.
// Set per pod through annotations, or for all pods through a callback given to the kubelet.
import type { KubeObject } from './resources.ts';

export interface PodScript {
  /** Exit code of every container (default 0). */
  exitCode?: number;
  /** Running time before the exit (default: the kubelet's defaultDurationMs); Infinity runs until stopped. */
  durationMs?: number;
  /** Terminated reason; default `Completed` for exit 0, else `Error`. `OOMKilled` for an OOM kill (use exit 137). */
  reason?: string;
  message?: string;
  /** Log lines, written evenly over the running time, the first at start. */
  logs?: string[];
  /** Time spent Pending with ContainerCreating before Running (default: the kubelet's startDelayMs). */
  startDelayMs?: number;
  /** How long the process takes to exit after SIGTERM (default 0); longer than the grace period means SIGKILL (exit 137). */
  sigtermExitMs?: number;
  /** Exit code after SIGTERM (default 143). */
  sigtermExitCode?: number;
}

export const SCRIPT_ANNOTATION_PREFIX = 'fake-kubelet.gpubatch.io/';

/** Annotation names for each field, e.g. `fake-kubelet.gpubatch.io/exit-code: "3"`; `logs` is newline-separated. */
export const scriptAnnotations = {
  exitCode: `${SCRIPT_ANNOTATION_PREFIX}exit-code`,
  durationMs: `${SCRIPT_ANNOTATION_PREFIX}duration-ms`,
  reason: `${SCRIPT_ANNOTATION_PREFIX}reason`,
  message: `${SCRIPT_ANNOTATION_PREFIX}message`,
  logs: `${SCRIPT_ANNOTATION_PREFIX}logs`,
  startDelayMs: `${SCRIPT_ANNOTATION_PREFIX}start-delay-ms`,
  sigtermExitMs: `${SCRIPT_ANNOTATION_PREFIX}sigterm-exit-ms`,
  sigtermExitCode: `${SCRIPT_ANNOTATION_PREFIX}sigterm-exit-code`,
} as const;

/** Annotations to put on a pod so the fake kubelet runs it as `script`. */
export function scriptAsAnnotations(script: PodScript): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, annotation] of Object.entries(scriptAnnotations)) {
    const value = script[field as keyof PodScript];
    if (value !== undefined) out[annotation] = Array.isArray(value) ? value.join('\n') : String(value);
  }
  return out;
}

export function scriptFromAnnotations(pod: KubeObject): PodScript {
  const a: Record<string, string> = pod.metadata.annotations ?? {};
  const num = (k: string) => (a[k] === undefined ? undefined : Number(a[k]));
  const script: PodScript = {
    exitCode: num(scriptAnnotations.exitCode),
    durationMs: num(scriptAnnotations.durationMs),
    reason: a[scriptAnnotations.reason],
    message: a[scriptAnnotations.message],
    logs: a[scriptAnnotations.logs]?.split('\n'),
    startDelayMs: num(scriptAnnotations.startDelayMs),
    sigtermExitMs: num(scriptAnnotations.sigtermExitMs),
    sigtermExitCode: num(scriptAnnotations.sigtermExitCode),
  };
  return Object.fromEntries(Object.entries(script).filter(([, v]) => v !== undefined));
}
