// A kubeconfig for the double, in the form a user's ~/.kube/config has (JSON is valid YAML), so
// tests load it exactly as production does: `new KubeConfig().loadFromString(kubeconfig)`.
// client-node 2.x refuses a plain http:// server unless the cluster skips TLS verification.

export function kubeconfigFor(server: string, token: string, namespace = 'default'): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'fake-kube', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'fake-kube-user', user: { token } }],
    contexts: [{ name: 'fake-kube', context: { cluster: 'fake-kube', user: 'fake-kube-user', namespace } }],
    'current-context': 'fake-kube',
  });
}
