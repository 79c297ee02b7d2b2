import type { V1ClusterRoleBinding, V1LimitRange, V1Namespace, V1NetworkPolicy, V1ResourceQuota, V1RoleBinding, V1ServiceAccount } from '@kubernetes/client-node';
import type { LabSpec, StudentKubernetes } from '@labfleet/domain';
import type { KubeLabContext } from './lab-resource-names';
import { buildStudentLimitRange, buildStudentResourceQuota } from './student-limits.builder';
import { buildStudentNetworkPolicy } from './student-network-policy.builder';
import { STUDENT_ACCOUNT, STUDENT_CLUSTER_ROLE, STUDENT_NODES_CLUSTER_ROLE, studentLabels, studentNamespaceName } from './student-resource-names';

/** Everything of a lab's student namespace, in the order it is made. */
export interface StudentNamespaceObjects {
  readonly namespace: V1Namespace;
  /** Made before anything the student could start runs there, so nothing in it is reachable unisolated. */
  readonly networkPolicy: V1NetworkPolicy;
  readonly quota: V1ResourceQuota;
  readonly limitRange: V1LimitRange;
  readonly serviceAccount: V1ServiceAccount;
  readonly roleBinding: V1RoleBinding;
  /** Cluster-scoped: removed by name at teardown, and listed by label for reconcile. */
  readonly nodesBinding: V1ClusterRoleBinding;
}

/**
 * A Kubernetes of the student's own for a lab whose template asks for one: a namespace at Pod
 * Security `baseline` (what `kubectl create deployment` needs, nothing privileged), bounded by a
 * quota, isolated by a NetworkPolicy, and a ServiceAccount with the student's rights in it and,
 * cluster-wide, only reading nodes. `quota` is the template's; `labNamespace` is where the lab's
 * pods run (they may reach the student's).
 */
export function buildStudentNamespace(spec: LabSpec, quota: StudentKubernetes, labNamespace: string, ctx: KubeLabContext): StudentNamespaceObjects {
  const name = studentNamespaceName(spec.labId, ctx);
  const labels = studentLabels(spec, ctx);
  const subject = { kind: 'ServiceAccount', name: STUDENT_ACCOUNT, namespace: name };
  const roleRef = (role: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role });
  return {
    namespace: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { ...labels, 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/warn': 'baseline' } },
    },
    networkPolicy: buildStudentNetworkPolicy(spec, name, labNamespace, labels, ctx),
    quota: buildStudentResourceQuota(quota, name, labels),
    limitRange: buildStudentLimitRange(quota, name, labels),
    // The only ServiceAccount of the namespace besides `default`, which has no rights.
    serviceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: STUDENT_ACCOUNT, namespace: name, labels } },
    roleBinding: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: STUDENT_ACCOUNT, namespace: name, labels },
      roleRef: roleRef(STUDENT_CLUSTER_ROLE),
      subjects: [subject],
    },
    nodesBinding: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      // Named as the namespace it serves: lab ids are unique, so this is too.
      metadata: { name, labels },
      roleRef: roleRef(STUDENT_NODES_CLUSTER_ROLE),
      subjects: [subject],
    },
  };
}
