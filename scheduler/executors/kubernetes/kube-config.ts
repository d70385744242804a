// The Kubernetes client configuration: a kubeconfig file, or in-cluster (the service account's token).
import { KubeConfig } from '@kubernetes/client-node';

export function loadKubeConfig(kubeconfigPath: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfigPath) kc.loadFromFile(kubeconfigPath);
  else kc.loadFromCluster();
  return kc;
}

/** The namespace to use: the configured one, else the kubeconfig context's, else "default". */
export function namespaceOf(kc: KubeConfig, configured?: string): string {
  return configured ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
}
