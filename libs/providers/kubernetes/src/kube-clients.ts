import { CoreV1Api, Exec, KubeConfig, NetworkingV1Api, RbacAuthorizationV1Api, V1Namespace, V1Pod, VersionApi, Watch } from '@kubernetes/client-node';
import { LabInformer } from './lab-informer';
import { KubeLabContext, labSelector } from './lab-resource-names';
import { inStudentNamespace } from './student-resource-names';

/** The API clients and watch caches one provider uses, made from one KubeConfig. */
export class KubeClients {
  readonly core: CoreV1Api;
  readonly networking: NetworkingV1Api;
  /** Student namespaces' RoleBindings and ClusterRoleBindings. */
  readonly rbac: RbacAuthorizationV1Api;
  readonly version: VersionApi;
  readonly exec: Exec;
  /** Every lab pod of this installation, in all namespaces but students' (see `inStudentNamespace`). */
  readonly pods: LabInformer<V1Pod>;
  /** Every namespace this installation made (lab and course namespaces). */
  readonly namespaces: LabInformer<V1Namespace>;

  constructor(kc: KubeConfig, ctx: Pick<KubeLabContext, 'instance' | 'namespacePrefix'>) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.networking = kc.makeApiClient(NetworkingV1Api);
    this.rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    this.version = kc.makeApiClient(VersionApi);
    this.exec = new Exec(kc);
    const watch = new Watch(kc);
    const labelSelector = labSelector(ctx.instance);
    const labPod = (pod: V1Pod) => !inStudentNamespace(pod.metadata?.namespace, ctx);
    this.pods = new LabInformer(watch, '/api/v1/pods', labelSelector, () => this.core.listPodForAllNamespaces({ labelSelector }), labPod);
    this.namespaces = new LabInformer(watch, '/api/v1/namespaces', labelSelector, () => this.core.listNamespace({ labelSelector }));
  }

  /** Starts both watch caches (once) and resolves when their first lists are in. */
  async watching(): Promise<void> {
    await Promise.all([this.pods.start(), this.namespaces.start()]);
  }

  stop(): void {
    this.pods.stop();
    this.namespaces.stop();
  }
}
