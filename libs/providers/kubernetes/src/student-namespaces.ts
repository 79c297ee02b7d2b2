import type { V1Namespace } from '@kubernetes/client-node';
import { ProviderError, tarArchive } from '@labfleet/domain';
import { KubeClients } from './kube-clients';
import { tolerate } from './kube-errors';
import { KubeExecTarget } from './kubernetes-exec';
import { copyIntoPod } from './kubernetes-files';
import { StudentKubeAccess } from './lab-network-policy.builder';
import { KubeLabContext, LABEL_INSTANCE, LABEL_LAB_ID, labSelector } from './lab-resource-names';
import { ApiServerAddress, apiServerAddressOf, apiServerEndpoints } from './student-api-server';
import { buildStudentKubeconfig, STUDENT_KUBECONFIG_DIR, STUDENT_KUBECONFIG_FILE } from './student-kubeconfig.builder';
import { StudentNamespaceObjects } from './student-namespace.builder';
import { STUDENT_ACCOUNT, studentNamespaceName } from './student-resource-names';

/** Published in every namespace by the controller-manager (root-ca-cert-publisher): the cluster's CA. */
const ROOT_CA_CONFIG_MAP = 'kube-root-ca.crt';
const ROOT_CA_TIMEOUT_MS = 30_000;
const ROOT_CA_POLL_MS = 100;
/**
 * The student's token dies with its ServiceAccount when the lab ends (a bound token is checked
 * against the account's uid); its expiry only bounds a copy that leaks while the lab lives, so it
 * outlasts any lab a course allows, extensions included. A cluster's
 * `--service-account-max-token-expiration` may shorten it.
 */
const TOKEN_SECONDS = 30 * 24 * 3600;
const COPY_TIMEOUT_MS = 30_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A lab's student namespace (templates with `kubernetes`): made or adopted (no quota counts what
 * is made here, so a second attempt meets `409` only), its kubeconfig written into the lab, and
 * its one cluster-scoped object removed at teardown (the namespace goes with the lab's own).
 */
export class StudentNamespaces {
  private apiServer: Promise<ApiServerAddress[]> | null = null;

  constructor(
    private readonly kube: KubeClients,
    private readonly ctx: KubeLabContext,
    /** `KUBE_STUDENT_API_SERVER`. */
    private readonly server: string,
  ) {}

  /** What the lab's own NetworkPolicy must let through: the namespace, and the API server (looked up once). */
  async access(labId: string): Promise<StudentKubeAccess> {
    this.apiServer ??= this.lookUpApiServer().catch((e: unknown) => {
      this.apiServer = null;
      throw e;
    });
    return { namespace: studentNamespaceName(labId, this.ctx), apiServer: await this.apiServer };
  }

  /** Makes (or adopts) every object of the namespace; resolves with the student's kubeconfig. */
  async apply(objects: StudentNamespaceObjects): Promise<string> {
    const { core, networking, rbac } = this.kube;
    const namespace = objects.namespace.metadata!.name!;
    await this.ensureNamespace(objects.namespace);
    const [caPem] = await Promise.all([
      this.rootCa(namespace),
      tolerate(networking.createNamespacedNetworkPolicy({ namespace, body: objects.networkPolicy }), [409]),
      tolerate(core.createNamespacedResourceQuota({ namespace, body: objects.quota }), [409]),
      tolerate(core.createNamespacedLimitRange({ namespace, body: objects.limitRange }), [409]),
      tolerate(core.createNamespacedServiceAccount({ namespace, body: objects.serviceAccount }), [409]),
      tolerate(rbac.createNamespacedRoleBinding({ namespace, body: objects.roleBinding }), [409]),
      tolerate(rbac.createClusterRoleBinding({ body: objects.nodesBinding }), [409]),
    ]);
    const request = await core.createNamespacedServiceAccountToken({
      name: STUDENT_ACCOUNT,
      namespace,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds: TOKEN_SECONDS } },
    });
    return buildStudentKubeconfig({ server: this.server, caPem, token: request.status!.token, namespace });
  }

  /** Writes the kubeconfig where the lab's kubectl looks for it, through lab-enter like every file copy. */
  async writeKubeconfig(node: KubeExecTarget, kubeconfig: string): Promise<void> {
    await copyIntoPod(this.kube.exec, node, STUDENT_KUBECONFIG_DIR, await tarArchive({ [STUDENT_KUBECONFIG_FILE]: kubeconfig }), COPY_TIMEOUT_MS);
  }

  /** Removes the lab's ClusterRoleBinding; a missing one is fine. */
  async removeClusterScoped(labId: string): Promise<void> {
    await tolerate(this.kube.rbac.deleteClusterRoleBinding({ name: studentNamespaceName(labId, this.ctx) }), [404]);
  }

  /** Labs whose ClusterRoleBinding is still there, for reconcile (a namespace is found with the lab's). */
  async labIds(): Promise<string[]> {
    const bindings = await this.kube.rbac.listClusterRoleBinding({ labelSelector: labSelector(this.ctx.instance) });
    return bindings.items.map((b) => b.metadata?.labels?.[LABEL_LAB_ID]).filter((id): id is string => Boolean(id));
  }

  private async lookUpApiServer(): Promise<ApiServerAddress[]> {
    const address = apiServerAddressOf(this.server);
    if (address) return [address];
    const found = apiServerEndpoints(await this.kube.core.readNamespacedEndpoints({ name: 'kubernetes', namespace: 'default' }));
    if (!found.length) throw new ProviderError('the kubernetes Service of default has no endpoints: set KUBE_STUDENT_API_SERVER to the API server address', false);
    return found;
  }

  private async ensureNamespace(body: V1Namespace): Promise<void> {
    const name = body.metadata!.name!;
    const ns = (await tolerate(this.kube.core.createNamespace({ body }), [409])) ?? (await this.kube.core.readNamespace({ name }));
    if (ns.metadata?.deletionTimestamp) throw new ProviderError(`namespace ${name} is still being deleted`, true);
    const labels = ns.metadata?.labels ?? {};
    if (labels[LABEL_INSTANCE] !== this.ctx.instance || labels[LABEL_LAB_ID] !== body.metadata?.labels?.[LABEL_LAB_ID]) {
      throw new ProviderError(`namespace ${name} exists but is not this lab's`, false);
    }
  }

  /** The cluster's CA as the controller-manager publishes it in the new namespace (within milliseconds). */
  private async rootCa(namespace: string): Promise<string> {
    const deadline = Date.now() + ROOT_CA_TIMEOUT_MS;
    for (;;) {
      const map = await tolerate(this.kube.core.readNamespacedConfigMap({ name: ROOT_CA_CONFIG_MAP, namespace }), [404]);
      const pem = map?.data?.['ca.crt'];
      if (pem) return pem;
      if (Date.now() > deadline) throw new ProviderError(`no ${ROOT_CA_CONFIG_MAP} in namespace ${namespace} after ${ROOT_CA_TIMEOUT_MS / 1000} s: is the controller-manager running?`, true);
      await sleep(ROOT_CA_POLL_MS);
    }
  }
}
