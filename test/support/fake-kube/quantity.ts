// Kubernetes resource quantities ("500m", "2", "16Gi", "1e3") as numbers, for the kubelet's
// admission check.
import type { KubeObject } from './resources.ts';

const suffixes: Record<string, number> = {
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$/.exec(q.trim());
  const factor = m ? suffixes[m[2] as string] : undefined;
  if (!m || factor === undefined) throw new Error(`not a quantity: "${q}"`);
  return Number(m[1]) * factor;
}

type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };

/** What a pod asks for: the sum over its containers, a limit standing in for a missing request. */
export function podRequests(pod: KubeObject): Map<string, number> {
  const total = new Map<string, number>();
  const containers: Array<{ resources?: Resources }> = pod.spec?.containers ?? [];
  for (const c of containers) {
    const asked = { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) };
    for (const [name, q] of Object.entries(asked)) total.set(name, (total.get(name) ?? 0) + parseQuantity(q));
  }
  return total;
}
