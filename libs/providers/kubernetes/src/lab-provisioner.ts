import type { V1Namespace, V1Pod } from '@kubernetes/client-node';
import { LAB_READY_COMMAND, LabSpec, Placement, ProviderError } from '@labfleet/domain';
import { DaemonAnswers } from './daemon-answers';
import { KubeClients } from './kube-clients';
import { createUnlessExists, tolerate } from './kube-errors';
import { LabObjects } from './lab-objects.builder';
import { keptUnmaskedProc } from './lab-pod-security.builder';
import { runKubeExec } from './kubernetes-exec';
import { LAB_CONTAINER, LABEL_INSTANCE, LABEL_LAB_ID } from './lab-resource-names';
import { isScheduled, isTerminal, NodeProgress, nodeProgress, unschedulableReason } from './pod-status';

/** How long a pod being replaced, a namespace or a lab's pods may take to go. */
export const DELETE_TIMEOUT_MS = 120_000;

type FailedProgress = Extract<NodeProgress, { state: 'failed' }>;
interface FailedNode {
  readonly node: string;
  readonly progress: FailedProgress;
}

/**
 * Creates a lab's objects, or adopts those that exist (`createUnlessExists`: 409, or a quota's 403
 * for an object that is there), waits on the pod watch until the scheduler has placed every pod,
 * and until every node is Ready or one of them fails.
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
    const { quota, limitRange, service, networkPolicy } = objects;
    const name = (o: { metadata?: { name?: string } }) => o.metadata!.name!;
    if (quota) await createUnlessExists(() => core.createNamespacedResourceQuota({ namespace: ns, body: quota }), () => core.readNamespacedResourceQuota({ namespace: ns, name: name(quota) }));
    if (limitRange) await createUnlessExists(() => core.createNamespacedLimitRange({ namespace: ns, body: limitRange }), () => core.readNamespacedLimitRange({ namespace: ns, name: name(limitRange) }));
    await createUnlessExists(() => core.createNamespacedService({ namespace: ns, body: service }), () => core.readNamespacedService({ namespace: ns, name: name(service) }));
    await createUnlessExists(
      () => networking.createNamespacedNetworkPolicy({ namespace: ns, body: networkPolicy }),
      () => networking.readNamespacedNetworkPolicy({ namespace: ns, name: name(networkPolicy) }),
    );
    return Promise.all(objects.pods.map((pod) => this.ensurePod(pod, spec.labId)));
  }

  /**
   * Whether the scheduler has given every pod a node. Answers as soon as one pod is unschedulable
   * (with the scheduler's message, for the lab's wait reason) or all are placed; after `timeoutMs`
   * without a decision, the lab is still waiting for the scheduler.
   */
  async waitScheduled(spec: LabSpec, objects: LabObjects, uids: readonly string[], timeoutMs: number): Promise<Placement> {
    const outcome = await this.kube.pods.waitFor<Placement>(() => {
      const pods = this.current(objects, uids);
      const stuck = pods.findIndex((p) => p && unschedulableReason(p));
      if (stuck >= 0) return { placed: false, reason: `${spec.nodes[stuck].name}: ${unschedulableReason(pods[stuck]!)}` };
      // A pod that already failed is placed as far as room goes; provision replaces it or says why.
      return pods.every((p) => p && (isScheduled(p) || isTerminal(p))) ? { placed: true } : undefined;
    }, timeoutMs);
    return outcome ?? { placed: false, reason: 'waiting for the Kubernetes scheduler' };
  }

  /**
   * Resolves with the lab's pods once every node's daemon answers (its own exec, or the pod's
   * readiness probe, whichever says so first); rejects at once, with the cluster's reason, when
   * one fails.
   */
  async waitReady(spec: LabSpec, objects: LabObjects, uids: readonly string[], timeoutMs: number): Promise<V1Pod[]> {
    const deadline = Date.now() + timeoutMs;
    const answers = new DaemonAnswers((pod) => this.daemonAnswers(pod, deadline), () => this.kube.pods.recheck());
    const progressOf = (pod: V1Pod): NodeProgress => {
      const progress = nodeProgress(pod);
      return progress.state === 'starting' && answers.has(pod) ? { state: 'ready' } : progress;
    };
    let progress: NodeProgress[] = [];
    const outcome = await this.kube.pods.waitFor<{ readonly pods: V1Pod[] } | { readonly failed: FailedNode }>(() => {
      const pods = this.current(objects, uids);
      progress = pods.map((p) => (p ? progressOf(p) : { state: 'starting', detail: 'created' }));
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

  /** Whether the pod's Docker daemon answers before the deadline (polled inside the lab). */
  private async daemonAnswers(pod: V1Pod, deadline: number): Promise<boolean> {
    const target = { namespace: pod.metadata!.namespace!, pod: pod.metadata!.name!, container: LAB_CONTAINER };
    const result = await runKubeExec(this.kube.exec, target, { command: LAB_READY_COMMAND, timeoutMs: Math.max(1000, deadline - Date.now()), outputLimitBytes: 4096 });
    return result.exitCode === 0;
  }

  /** The lab's pods in the watch cache, each only while it is the one this attempt made or adopted. */
  private current(objects: LabObjects, uids: readonly string[]): (V1Pod | undefined)[] {
    return objects.pods.map((p, i) => {
      const cached = this.kube.pods.get(p.metadata!.namespace!, p.metadata!.name!);
      return cached?.metadata?.uid === uids[i] ? cached : undefined;
    });
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

  private createPod(body: V1Pod): Promise<V1Pod | undefined> {
    const { name, namespace } = body.metadata as { name: string; namespace: string };
    return createUnlessExists(() => this.kube.core.createNamespacedPod({ namespace, body }), () => this.kube.core.readNamespacedPod({ name, namespace }));
  }
}
