import { createHash } from 'node:crypto';
import { FakeKubeStore, KubeObject } from './fake-kube-store';
import { HttpError } from './fake-kube-handlers';

/** Where the fake API server says it answers, in the `kubernetes` Endpoints of `default`. */
export const FAKE_API_SERVER_ADDRESS = { ip: '192.0.2.10', port: 6443 };
export const FAKE_ROOT_CA = '-----BEGIN CERTIFICATE-----\nZmFrZSBjbHVzdGVyIENB\n-----END CERTIFICATE-----\n';

/**
 * What a cluster has and does without being asked, as far as the provider sees it: the `default`
 * namespace with the `kubernetes` Endpoints the API server keeps, and the controller-manager's
 * root-ca-cert-publisher putting `kube-root-ca.crt` into every new namespace a moment after it
 * appears.
 */
export function startFakeControlPlane(store: FakeKubeStore, later: (ms: number, fn: () => void) => void, publishMs = 5): void {
  store.subscribe(({ resource, type, object }) => {
    if (resource !== 'namespaces' || type !== 'ADDED') return;
    const namespace = object.metadata.name;
    later(publishMs, () => {
      const ns = store.get('namespaces', undefined, namespace);
      if (!ns || ns.metadata.deletionTimestamp || store.get('configmaps', namespace, 'kube-root-ca.crt')) return;
      store.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace }, data: { 'ca.crt': FAKE_ROOT_CA } });
    });
  });
  store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default', labels: { 'kubernetes.io/metadata.name': 'default' } }, status: { phase: 'Active' } });
  const { ip, port } = FAKE_API_SERVER_ADDRESS;
  store.create('endpoints', {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'kubernetes', namespace: 'default' },
    subsets: [{ addresses: [{ ip }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
  });
}

/** The token a fake TokenRequest hands out: says whose it is, so tests can check the kubeconfig. */
export const fakeToken = (namespace: string, account: string): string => `fake-token.${namespace}.${account}.${createHash('sha256').update(`${namespace}/${account}`).digest('hex').slice(0, 8)}`;

/** `POST …/serviceaccounts/<name>/token` (TokenRequest): 404 for an account that does not exist, as the API server answers. */
export function fakeTokenRequest(store: FakeKubeStore, namespace: string, account: string, body: KubeObject | undefined): KubeObject {
  if (!store.get('serviceaccounts', namespace, account)) throw new HttpError(404, 'NotFound', `serviceaccounts "${account}" not found`);
  const seconds = Number(body?.spec?.expirationSeconds ?? 3600);
  if (seconds < 600) throw new HttpError(422, 'Invalid', 'spec.expirationSeconds: Invalid value: may not specify a duration less than 10 minutes');
  return {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    metadata: { name: account, namespace },
    spec: { ...body?.spec, expirationSeconds: seconds },
    status: { token: fakeToken(namespace, account), expirationTimestamp: new Date(Date.now() + seconds * 1000).toISOString() },
  };
}
