/** Where the lab's kubectl finds its kubeconfig: its default, so `kubectl` works as it is. */
export const STUDENT_KUBECONFIG_DIR = '/root/.kube';
export const STUDENT_KUBECONFIG_FILE = 'config';

export interface StudentKubeconfig {
  readonly server: string;
  /** PEM of the cluster's CA (the `kube-root-ca.crt` ConfigMap of the namespace). */
  readonly caPem: string;
  readonly token: string;
  readonly namespace: string;
}

/**
 * The kubeconfig of a student namespace: one cluster, one user (the namespace's ServiceAccount
 * token) and one context whose default namespace is theirs, so `kubectl get pods` needs no `-n`.
 * YAML whose strings are JSON-quoted, which YAML reads as they are whatever they hold.
 */
export function buildStudentKubeconfig(k: StudentKubeconfig): string {
  const q = (value: string) => JSON.stringify(value);
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: labfleet',
    '    cluster:',
    `      server: ${q(k.server)}`,
    `      certificate-authority-data: ${q(Buffer.from(k.caPem).toString('base64'))}`,
    'users:',
    '  - name: student',
    '    user:',
    `      token: ${q(k.token)}`,
    'contexts:',
    '  - name: student',
    '    context:',
    '      cluster: labfleet',
    '      user: student',
    `      namespace: ${q(k.namespace)}`,
    'current-context: student',
    '',
  ].join('\n');
}
