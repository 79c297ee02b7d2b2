import type { LabSpec } from '@labfleet/domain';
import { KubeLabContext, LABEL_ROLE, labLabels } from './lab-resource-names';

/*
 * Names and labels of a lab's student namespace (templates with `kubernetes`). Pure, so builders,
 * teardown, reconcile and tests agree.
 */

/** The ServiceAccount the student's kubeconfig speaks as, and the name of everything else in the namespace. */
export const STUDENT_ACCOUNT = 'student';

/**
 * ClusterRoles shipped in k8s/base/rbac-student.yaml. The worker only binds them (it holds `bind`
 * on exactly these): making a Role with rights it does not hold itself would need `escalate`.
 * `labfleet-student` is bound inside the namespace only, which grants its rights there only.
 */
export const STUDENT_CLUSTER_ROLE = 'labfleet-student';
export const STUDENT_NODES_CLUSTER_ROLE = 'labfleet-student-nodes';

/**
 * `<prefix>-k8s-<lab id>`: `-student-` would pass the 63 characters of a namespace name with the
 * longest prefix (19). Lab namespaces are `<prefix>-<uuid>` and `<prefix>-course-<uuid>`, so
 * the two never meet.
 */
export const studentNamespaceName = (labId: string, ctx: Pick<KubeLabContext, 'namespacePrefix'>): string => `${ctx.namespacePrefix}-k8s-${labId}`;

/**
 * Students make pods and Services in their namespace and may label them as they like, even with
 * another lab's id: anything found by label in a student namespace is never a lab's.
 */
export const inStudentNamespace = (namespace: string | undefined, ctx: Pick<KubeLabContext, 'namespacePrefix'>): boolean =>
  namespace !== undefined && namespace.startsWith(`${ctx.namespacePrefix}-k8s-`);

/** A lab's labels, with the role `student`: the namespace is found by lab id like the lab's own. */
export const studentLabels = (spec: Pick<LabSpec, 'labId' | 'owner'>, ctx: Pick<KubeLabContext, 'instance'>): Record<string, string> => ({
  ...labLabels(ctx.instance, spec),
  [LABEL_ROLE]: 'student',
});
