import { ProviderError } from '@labfleet/domain';
import { KubeClients } from './kube-clients';
import { tolerate } from './kube-errors';
import { DELETE_TIMEOUT_MS } from './lab-provisioner';
import { KubeLabContext, LABEL_LAB_ID, labObjectName, labSelector } from './lab-resource-names';
import { StudentNamespaces } from './student-namespaces';
import { inStudentNamespace } from './student-resource-names';

/**
 * Removes a lab: its own namespaces (its student namespace too; everything in them goes with
 * them) and its student ClusterRoleBinding, or in a shared course namespace its pods, then its
 * NetworkPolicy and Service. Waits, on the watches, until they are gone. Finds the lab by label,
 * so it works whatever the namespace mode was when it was made.
 */
export class LabTeardown {
  constructor(
    private readonly kube: KubeClients,
    private readonly ctx: KubeLabContext,
    private readonly students: StudentNamespaces,
  ) {}

  async remove(labId: string): Promise<void> {
    const { core } = this.kube;
    const labelSelector = labSelector(this.ctx.instance, labId);
    const own = (await core.listNamespace({ labelSelector })).items.map((n) => n.metadata!.name!);
    await Promise.all([this.students.removeClusterScoped(labId), ...own.map((name) => tolerate(core.deleteNamespace({ name }), [404]))]);
    // Labs are disposable: their pods (and a student's) are killed at once, not after a grace
    // period, so their room is free now and the namespaces go seconds sooner. Only once the
    // namespaces are terminating, where nothing new may be made: a student's ReplicaSet would
    // otherwise replace its pods at once, and those would be deleted gracefully.
    await Promise.all(own.map((namespace) => tolerate(core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 }), [404])));
    const services = (await core.listServiceForAllNamespaces({ labelSelector })).items.filter((s) => !inStudentNamespace(s.metadata?.namespace, this.ctx));
    const shared = new Set([...services, ...this.podsOf(labId)].map((o) => o.metadata!.namespace!));
    for (const namespace of shared) if (!own.includes(namespace)) await this.removeFromShared(namespace, labId, labelSelector);
    const gone = await this.kube.namespaces.waitFor(() => (own.some((name) => this.kube.namespaces.get('', name)) ? undefined : true), DELETE_TIMEOUT_MS);
    if (!gone) throw new ProviderError(`the namespace of lab ${labId} is still terminating after ${DELETE_TIMEOUT_MS / 1000} s`, true);
  }

  /** Pods first, their NetworkPolicy after: no pod of the lab is ever left running unisolated. */
  private async removeFromShared(namespace: string, labId: string, labelSelector: string): Promise<void> {
    const { core, networking, pods } = this.kube;
    await core.deleteCollectionNamespacedPod({ namespace, labelSelector, gracePeriodSeconds: 0 });
    const gone = await pods.waitFor(() => (this.podsOf(labId).some((p) => p.metadata?.namespace === namespace) ? undefined : true), DELETE_TIMEOUT_MS);
    if (!gone) throw new ProviderError(`the pods of lab ${labId} are still terminating after ${DELETE_TIMEOUT_MS / 1000} s`, true);
    await tolerate(networking.deleteNamespacedNetworkPolicy({ name: labObjectName(labId), namespace }), [404]);
    await tolerate(core.deleteNamespacedService({ name: labObjectName(labId), namespace }), [404]);
  }

  private podsOf(labId: string) {
    return this.kube.pods.items().filter((p) => p.metadata?.labels?.[LABEL_LAB_ID] === labId);
  }
}
