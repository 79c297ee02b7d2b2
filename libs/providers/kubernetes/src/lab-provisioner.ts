import type { V1Namespace, V1Pod } from '@kubernetes/client-node';
import { LabSpec, ProviderError } from '@labfleet/domain';
import { KubeClients } from './kube-clients';
import { messageOf, statusOf, tolerate } from './kube-errors';
import { LabObjects } from './lab-objects.builder';
import { keptUnmaskedProc } from './lab-pod-security.builder';
import { LABEL_INSTANCE, LABEL_LAB_ID } from './lab-resource-names';
import { isTerminal, NodeProgress, nodeProgress } from './pod-status';

/** How long a pod being replaced, a namespace or a lab's pods may take to go. */
export const DELETE_TIMEOUT_MS = 120_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type FailedProgress = Extract<NodeProgress, { state: 'failed' }>;
interface FailedNode {
  readonly node: string;
  readonly progress: FailedProgress;
}

/**
 * Creates a lab's objects (or adopts those that exist: every create tolerates 409) and waits,
 * on the pod watch, until every node is Ready or one of them fails.
 */
export class LabProvisioner {
  constructor(
    private readonly kube: KubeClients,
    private readonly instance: string,
  ) {}

  async apply(spec: LabSpec, objects: LabObjects): Promise<string[]> {
    const ns = objects.namespace.metadata!.name!;
    await this.ensureNamespace(objects.namespace);
    const { core, networking } = this.kube;
    if (objects.quota) await tolerate(core.createNamespacedResourceQuota({ namespace: ns, body: objects.quota }), [409]);
    if (objects.limitRange) await tolerate(core.createNamespacedLimitRange({ namespace: ns, body: objects.limitRange }), [409]);
    await tolerate(core.createNamespacedService({ namespace: ns, body: objects.service }), [409]);
    await tolerate(networking.createNamespacedNetworkPolicy({ namespace: ns, body: objects.networkPolicy }), [409]);
    return Promise.all(objects.pods.map((pod) => this.ensurePod(pod, spec.labId)));
  }

  /** Resolves with the lab's pods once all are Ready; rejects at once, with the cluster's reason, when one fails. */
  async waitReady(spec: LabSpec, objects: LabObjects, uids: readonly string[], timeoutMs: number): Promise<V1Pod[]> {
    let progress: NodeProgress[] = [];
    const outcome = await this.kube.pods.waitFor<{ readonly pods: V1Pod[] } | { readonly failed: FailedNode }>(() => {
      const pods = objects.pods.map((p, i) => {
        const cached = this.kube.pods.get(p.metadata!.namespace!, p.metadata!.name!);
        return cached?.metadata?.uid === uids[i] ? cached : undefined;
      });
      progress = pods.map((p) => (p ? nodeProgress(p) : { state: 'starting', detail: 'created' }));
      const failed = progress.findIndex((p) => p.state === 'failed');
      if (failed >= 0) return { failed: { node: spec.nodes[failed].name, progress: progress[failed] as FailedProgress } };
      return progress.every((p) => p.state === 'ready') ? { pods: pods as V1Pod[] } : undefined;
    }, timeoutMs);
    if (!outcome) {
      const waiting = progress.map((p, i) => `${spec.nodes[i].name}: ${p.state === 'starting' ? p.detail : p.state}`).join(', ');
      throw new ProviderError(`lab nodes not ready within ${timeoutMs / 1000} s (${waiting})`, true);
    }
    if ('failed' in outcome) {
      const { node, progress: failure } = outcome.failed;
      throw new ProviderError(`lab node ${node} failed to start: ${failure.reason}`, failure.retryable);
    }
    return outcome.pods;
  }

  private async ensureNamespace(body: V1Namespace): Promise<void> {
    const name = body.metadata!.name!;
    const ns = (await tolerate(this.kube.core.createNamespace({ body }), [409])) ?? (await this.kube.core.readNamespace({ name }));
    if (ns.metadata?.deletionTimestamp) throw new ProviderError(`namespace ${name} is still being deleted`, true);
    const labels = ns.metadata?.labels ?? {};
    if (labels[LABEL_INSTANCE] !== this.instance || labels[LABEL_LAB_ID] !== body.metadata?.labels?.[LABEL_LAB_ID]) {
      throw new ProviderError(`namespace ${name} exists but is not this lab's`, false);
    }
  }

  /** Creates or adopts one node's pod; a pod left terminal by an earlier attempt is replaced. Returns its uid. */
  private async ensurePod(body: V1Pod, labId: string): Promise<string> {
    const { name, namespace } = body.metadata as { name: string; namespace: string };
    for (let replaced = 0; replaced < 3; replaced++) {
      const created = await this.createPod(body);
      if (created && !keptUnmaskedProc(body, created)) {
        throw new ProviderError(`the API server dropped the unmasked /proc of pod ${name}: confined labs need the ProcMountType feature gate (Kubernetes 1.25)`, false);
      }
      const pod = created ?? (await tolerate(this.kube.core.readNamespacedPod({ name, namespace }), [404]));
      if (!pod) continue;
      if (pod.metadata?.labels?.[LABEL_LAB_ID] !== labId) throw new ProviderError(`pod ${name} exists but belongs to another lab`, false);
      if (!isTerminal(pod)) return pod.metadata!.uid!;
      if (!pod.metadata?.deletionTimestamp) await tolerate(this.kube.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }), [404]);
      const uid = pod.metadata?.uid;
      await this.kube.pods.waitFor(() => (this.kube.pods.get(namespace, name)?.metadata?.uid === uid ? undefined : true), DELETE_TIMEOUT_MS);
    }
    throw new ProviderError(`pod ${name} keeps being replaced`, true);
  }

  private async createPod(body: V1Pod): Promise<V1Pod | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.kube.core.createNamespacedPod({ namespace: body.metadata!.namespace!, body });
      } catch (e) {
        if (statusOf(e) === 409) return undefined;
        // A new ResourceQuota admits pods only once the quota controller has computed its usage (milliseconds).
        if (statusOf(e) === 403 && /status unknown for quota/.test(messageOf(e)) && attempt < 50) {
          await sleep(100);
          continue;
        }
        throw e;
      }
    }
  }
}
