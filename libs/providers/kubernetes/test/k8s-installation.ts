import { Manifest } from './kustomize-render';

/** Labfleet's own namespace in `k8s/`, which every namespaced object names. */
const K8S_NAMESPACE = 'labfleet';

/**
 * ClusterRoles the provider binds by these very names (rbac-student.yaml: "do not rename"): shared
 * by every installation on a cluster, so a test applies them only where missing.
 */
export const SHARED_CLUSTER_ROLES = new Set(['labfleet-student', 'labfleet-student-nodes']);

/**
 * The rendered `k8s/` as an installation of its own beside others on one cluster, as the base's
 * kustomization says to overlay it: every object in `namespace` (KUBE_PLATFORM_NAMESPACE
 * matching, the registry mirror's Service address too), the installation's own ClusterRoles and
 * ClusterRoleBindings named `<name>-<namespace>` and bound to its ServiceAccounts, labs labelled
 * with `namespace` as LABFLEET_INSTANCE (so its reconcile never touches another installation's
 * labs) in namespaces `<namespace>-<lab id>`. Nothing else changes.
 */
export function asInstallation(manifests: readonly Manifest[], namespace: string): Manifest[] {
  const rename = (name: string) => `${name}-${namespace}`;
  return manifests.map((manifest) => {
    const m = structuredClone(manifest);
    if (m.kind === 'Namespace') m.metadata.name = namespace;
    else if (m.metadata.namespace === K8S_NAMESPACE) m.metadata.namespace = namespace;
    if (m.kind === 'ClusterRole' && !SHARED_CLUSTER_ROLES.has(m.metadata.name)) m.metadata.name = rename(m.metadata.name);
    if (m.kind === 'ClusterRoleBinding') {
      m.metadata.name = rename(m.metadata.name);
      m.roleRef.name = rename(m.roleRef.name);
      for (const subject of m.subjects) subject.namespace = namespace;
    }
    if (m.kind === 'ConfigMap' && m.metadata.name === 'labfleet-config') {
      Object.assign(m.data, { KUBE_PLATFORM_NAMESPACE: namespace, LABFLEET_INSTANCE: namespace, KUBE_NAMESPACE_PREFIX: namespace });
    }
    if (m.kind === 'ConfigMap' && m.metadata.name === 'labfleet-registry-mirror') {
      m.data.KUBE_REGISTRY_MIRROR_URL = m.data.KUBE_REGISTRY_MIRROR_URL.replace(`.${K8S_NAMESPACE}.svc.`, `.${namespace}.svc.`);
    }
    return m;
  });
}
