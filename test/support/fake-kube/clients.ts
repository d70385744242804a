// For the double's own tests and for executor tests: clients built from the double's kubeconfig
// exactly as production builds them from a user's, plus a reader for ApiException bodies.
import { ApiException, CoordinationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { KubeStatus } from './status.ts';

export function clientsFor(kubeconfig: string) {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  return { kc, core: kc.makeApiClient(CoreV1Api), coordination: kc.makeApiClient(CoordinationV1Api) };
}

/**
 * Awaits a call expected to fail and returns its HTTP code and Status. client-node 2.x throws
 * ApiException with `body` as the raw response text (undefined for 401).
 */
export async function apiError(
  call: Promise<unknown>,
): Promise<{ code: number; status?: KubeStatus; headers: Record<string, string> }> {
  try {
    await call;
  } catch (err) {
    if (!(err instanceof ApiException)) throw err;
    const body = err.body as unknown;
    const status = typeof body === 'string' && body ? (JSON.parse(body) as KubeStatus) : undefined;
    return { code: err.code, status, headers: err.headers as Record<string, string> };
  }
  throw new Error('expected the call to fail');
}

/** Polls `check` (every 10 ms) for state that lives in a client, such as an informer's cache. */
export async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
