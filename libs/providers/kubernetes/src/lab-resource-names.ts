import type { KubeNamespaceMode, LabSecurityProfile } from '@labfleet/config';
import type { LabSpec } from '@labfleet/domain';

/** Labels and names of everything the Kubernetes provider creates. Pure, so builders, reconcile and tests agree. */
export const LABEL_MANAGED = 'labfleet.io/managed';
export const LABEL_INSTANCE = 'labfleet.io/instance';
export const LABEL_ROLE = 'labfleet.io/role';
export const LABEL_LAB_ID = 'labfleet.io/lab-id';
export const LABEL_NODE = 'labfleet.io/node';
export const LABEL_SCHOOL = 'labfleet.io/school-id';
export const LABEL_COURSE = 'labfleet.io/course-id';
export const LABEL_STUDENT = 'labfleet.io/student-id';
/** On platform pods in the platform namespace that labs may reach (the registry mirror). */
export const LABEL_LAB_ACCESS = 'labfleet.io/lab-access';
/**
 * Labels of the API's pods (`k8s/base/api.yaml`): the lab's NetworkPolicy lets them in, for the
 * port proxy, which connects to a lab node's pod IP.
 */
export const API_POD_LABELS: Readonly<Record<string, string>> = { 'app.kubernetes.io/name': 'labfleet', 'app.kubernetes.io/component': 'api' };
/** Template names are free text, so they go in an annotation, not a label. */
export const ANNOTATION_TEMPLATE = 'labfleet.io/template';
/** Every node of the lab, on each pod: inspect notices a node whose pod vanished. */
export const ANNOTATION_NODES = 'labfleet.io/nodes';

/** The container of a lab pod that runs the lab image. */
export const LAB_CONTAINER = 'dind';

/** What the builders need besides the spec: the installation and its Kubernetes settings. */
export interface KubeLabContext {
  readonly instance: string;
  readonly namespaceMode: KubeNamespaceMode;
  readonly namespacePrefix: string;
  readonly platformNamespace: string;
  /** How lab pods are confined (`lab-pod-security.builder.ts`). */
  readonly securityProfile: LabSecurityProfile;
  /** RuntimeClass of lab pods in the `runtime` profile; null otherwise. */
  readonly runtimeClass: string | null;
  /**
   * Seccomp profile of confined lab pods, a file installed on every node, relative to the kubelet's
   * seccomp directory (e.g. `labfleet/labfleet-lab.json`, see `k8s/components/lab-seccomp`);
   * null: `Unconfined`.
   */
  readonly seccompProfile: string | null;
  readonly registryMirrorUrl: string | null;
  readonly clusterDomain: string;
}

/** A course namespace needs a course: labs without an owner get a namespace of their own. */
export const usesCourseNamespace = (spec: Pick<LabSpec, 'owner'>, ctx: KubeLabContext): boolean =>
  ctx.namespaceMode === 'course' && spec.owner !== undefined;

export function labNamespaceName(spec: Pick<LabSpec, 'labId' | 'owner'>, ctx: KubeLabContext): string {
  return usesCourseNamespace(spec, ctx) ? `${ctx.namespacePrefix}-course-${spec.owner!.courseId}` : `${ctx.namespacePrefix}-${spec.labId}`;
}

/** The lab's headless Service, its NetworkPolicy, ResourceQuota and LimitRange all share this name. */
export const labObjectName = (labId: string): string => `lab-${labId}`;
export const labPodName = (labId: string, node: string): string => `lab-${labId}-${node}`;

/** Labels every object of this installation carries. */
export const instanceLabels = (instance: string): Record<string, string> => ({ [LABEL_MANAGED]: 'true', [LABEL_INSTANCE]: instance });

export function labLabels(instance: string, spec: Pick<LabSpec, 'labId' | 'owner'>): Record<string, string> {
  return { ...instanceLabels(instance), [LABEL_ROLE]: 'lab', [LABEL_LAB_ID]: spec.labId, ...ownerLabels(spec.owner, true) };
}

/** A course namespace is shared by the course's labs: school and course, no lab or student. */
export function courseNamespaceLabels(instance: string, owner: NonNullable<LabSpec['owner']>): Record<string, string> {
  return { ...instanceLabels(instance), [LABEL_ROLE]: 'course', ...ownerLabels(owner, false) };
}

function ownerLabels(owner: LabSpec['owner'], withStudent: boolean): Record<string, string> {
  if (!owner) return {};
  const labels: Record<string, string> = { [LABEL_SCHOOL]: owner.schoolId, [LABEL_COURSE]: owner.courseId };
  if (withStudent && owner.userId) labels[LABEL_STUDENT] = owner.userId;
  return labels;
}

/** Label selector (`k=v,k=v`) for this installation's objects, or one lab's. */
export function labSelector(instance: string, labId?: string): string {
  const parts = [`${LABEL_MANAGED}=true`, `${LABEL_INSTANCE}=${instance}`];
  if (labId) parts.push(`${LABEL_LAB_ID}=${labId}`);
  return parts.join(',');
}
