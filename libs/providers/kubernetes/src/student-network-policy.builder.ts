import type { V1NetworkPolicy } from '@kubernetes/client-node';
import type { LabSpec } from '@labfleet/domain';
import { CLUSTER_DNS, NAMESPACE_NAME } from './lab-network-policy.builder';
import { KubeLabContext, LABEL_INSTANCE, LABEL_LAB_ID } from './lab-resource-names';
import { STUDENT_ACCOUNT } from './student-resource-names';

/**
 * Isolates a student namespace as a lab is isolated: its pods accept connections only from each
 * other and from the lab's own pods (the student's kubectl port-forward goes through the API
 * server and needs none), and open them only to each other and to the cluster DNS. Other labs,
 * other students' namespaces, the platform and the internet are denied by omission. The student
 * cannot change it: their role grants nothing on NetworkPolicies.
 */
export function buildStudentNetworkPolicy(spec: LabSpec, namespace: string, labNamespace: string, labels: Record<string, string>, ctx: KubeLabContext): V1NetworkPolicy {
  const sameNamespace = { podSelector: {} };
  const lab = {
    namespaceSelector: { matchLabels: { [NAMESPACE_NAME]: labNamespace } },
    podSelector: { matchLabels: { [LABEL_INSTANCE]: ctx.instance, [LABEL_LAB_ID]: spec.labId } },
  };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: STUDENT_ACCOUNT, namespace, labels },
    spec: {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ _from: [sameNamespace, lab] }],
      egress: [{ to: [sameNamespace] }, CLUSTER_DNS],
    },
  };
}
