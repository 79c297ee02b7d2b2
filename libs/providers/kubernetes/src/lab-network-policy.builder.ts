import type { V1NetworkPolicy, V1NetworkPolicyEgressRule, V1NetworkPolicyPeer } from '@kubernetes/client-node';
import type { LabSpec } from '@labfleet/domain';
import type { ApiServerAddress } from './student-api-server';
import { API_POD_LABELS, KubeLabContext, LABEL_INSTANCE, LABEL_LAB_ACCESS, LABEL_LAB_ID, labLabels, labObjectName } from './lab-resource-names';

/** Set by Kubernetes (1.21+) on every namespace: selects a namespace by name. */
export const NAMESPACE_NAME = 'kubernetes.io/metadata.name';

/** The cluster DNS and the ports it answers on. */
export const CLUSTER_DNS: V1NetworkPolicyEgressRule = {
  to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME]: 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [
    { protocol: 'UDP', port: 53 },
    { protocol: 'TCP', port: 53 },
  ],
};

/** Where a lab with a student namespace (templates with `kubernetes`) may also go: the namespace, and the API server its kubectl speaks to. */
export interface StudentKubeAccess {
  readonly namespace: string;
  readonly apiServer: readonly ApiServerAddress[];
}

/**
 * Isolates a lab. Its pods accept connections only from each other and from Labfleet's API pods
 * (the port proxy), and open them only to each other, to the cluster DNS, and to platform pods
 * labelled `labfleet.io/lab-access=true` (the registry mirror). Everything else is denied by
 * omission: other labs (also in a shared course namespace), the platform's database and Redis,
 * the API server, the cloud metadata address and the internet. A lab with a student namespace
 * may also open connections to that namespace and to the API server (`student`). Needs a CNI
 * that enforces NetworkPolicy.
 */
export function buildLabNetworkPolicy(spec: LabSpec, namespace: string, ctx: KubeLabContext, student?: StudentKubeAccess): V1NetworkPolicy {
  const thisLab: V1NetworkPolicyPeer = { podSelector: { matchLabels: { [LABEL_INSTANCE]: ctx.instance, [LABEL_LAB_ID]: spec.labId } } };
  const platform: V1NetworkPolicyPeer = {
    namespaceSelector: { matchLabels: { [NAMESPACE_NAME]: ctx.platformNamespace } },
    podSelector: { matchLabels: { [LABEL_LAB_ACCESS]: 'true' } },
  };
  const api: V1NetworkPolicyPeer = {
    namespaceSelector: { matchLabels: { [NAMESPACE_NAME]: ctx.platformNamespace } },
    podSelector: { matchLabels: { ...API_POD_LABELS } },
  };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: labObjectName(spec.labId), namespace, labels: labLabels(ctx.instance, spec) },
    spec: {
      podSelector: thisLab.podSelector!,
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ _from: [thisLab] }, { _from: [api] }],
      egress: [{ to: [thisLab] }, CLUSTER_DNS, { to: [platform] }, ...(student ? studentEgress(student) : [])],
    },
  };
}

/** The API server by address and port: NetworkPolicy sees a Service's traffic after it is translated to its endpoints. */
function studentEgress(student: StudentKubeAccess): V1NetworkPolicyEgressRule[] {
  const namespace: V1NetworkPolicyEgressRule = { to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME]: student.namespace } } }] };
  const apiServer = student.apiServer.map(({ ip, port }) => ({ to: [{ ipBlock: { cidr: ip.includes(':') ? `${ip}/128` : `${ip}/32` } }], ports: [{ protocol: 'TCP', port }] }));
  return [namespace, ...apiServer];
}
