import { KubeConfig } from '@kubernetes/client-node';

/**
 * The client configuration: the kubeconfig file named by `KUBECONFIG` when set; otherwise the
 * library's default search (`~/.kube/config`, then the pod's service account in a cluster).
 */
export function createKubeConfig(kubeconfig?: string): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfig) kc.loadFromFile(kubeconfig);
  else kc.loadFromDefault();
  return kc;
}
