import { CoreV1Api, KubeConfig, NetworkingV1Api } from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import { ContractHarness, eventually } from '@labfleet/testing';
import { createKubeConfig, KubernetesProvider, KubernetesProviderConfig } from '../src';
import { providerConfig, ProviderOverrides } from './fake-kube-setup';

/**
 * A real cluster to test against, when one is given: `LABFLEET_TEST_KUBECONFIG` names its
 * kubeconfig. A variable of its own, not `KUBECONFIG`, so that running the tests never creates
 * namespaces and privileged pods on whatever cluster a developer's shell points at.
 */
export const REAL_KUBECONFIG = process.env.LABFLEET_TEST_KUBECONFIG;

/** `describe` when a real cluster is given, else `describe.skip` (CI has none: the fake runs there). */
export const describeOnRealCluster = REAL_KUBECONFIG ? describe : describe.skip;

const RESOURCES = ['namespaces', 'pods', 'services', 'networkpolicies', 'resourcequotas', 'limitranges'] as const;

/**
 * Providers on the real cluster, each under an installation name of this test run's own (so
 * labels never match another run's objects), with the lab images as imported on the nodes and no
 * registry mirror.
 */
export class RealKubeSetup {
  readonly instance = `it-${randomUUID().slice(0, 8)}`;
  readonly kc: KubeConfig = createKubeConfig(REAL_KUBECONFIG);
  readonly core = this.kc.makeApiClient(CoreV1Api);
  private readonly networking = this.kc.makeApiClient(NetworkingV1Api);
  private readonly providers: KubernetesProvider[] = [];

  /** The provider's configuration on this cluster: no registry mirror, lab pods wait up to `readyTimeoutSeconds`. */
  providerConfig(overrides: ProviderOverrides = {}, readyTimeoutSeconds = 90): KubernetesProviderConfig {
    return { ...providerConfig({ registryMirrorUrl: null, ...overrides }, readyTimeoutSeconds), instance: this.instance };
  }

  provider(overrides: ProviderOverrides = {}, readyTimeoutSeconds = 90): KubernetesProvider {
    const provider = new KubernetesProvider(this.kc, this.providerConfig(overrides, readyTimeoutSeconds));
    this.providers.push(provider);
    return provider;
  }

  /** A client configuration speaking as a ServiceAccount: a token from the TokenRequest API (an hour), the cluster's address and CA. */
  async serviceAccountConfig(namespace: string, serviceAccount: string): Promise<KubeConfig> {
    const token = await this.core.createNamespacedServiceAccountToken({ name: serviceAccount, namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
    const kc = new KubeConfig();
    kc.loadFromClusterAndUser({ ...this.kc.getCurrentCluster()!, name: 'real' }, { name: serviceAccount, token: token.status!.token });
    return kc;
  }

  /** The harness of the provider contract suite, on this cluster. */
  harness(provider: KubernetesProvider): ContractHarness {
    return {
      provider,
      resourcesOf: (labId) => this.resourcesOf(labId),
      // `kubectl delete pod --force`: the provider learns it from its watch; wait for that (the
      // lab no longer running), and leave what it then reports to the contract.
      removeBehindTheBack: async (labId) => {
        const selector = `labfleet.io/lab-id=${labId}`;
        const pods = (await this.core.listPodForAllNamespaces({ labelSelector: selector })).items;
        await Promise.all(pods.map((p) => this.core.deleteNamespacedPod({ name: p.metadata!.name!, namespace: p.metadata!.namespace!, gracePeriodSeconds: 0 })));
        await eventually(async () => expect((await this.core.listPodForAllNamespaces({ labelSelector: selector })).items).toEqual([]), { timeoutMs: 10_000, what: 'the pods to go' });
        await eventually(async () => expect((await provider.inspect(labId)).state).not.toBe('running'), { timeoutMs: 10_000, what: 'the watch to see the pods gone' });
      },
    };
  }

  /** Every object on the cluster that carries the lab's id, as `kind:name` (pods as `container:`, as the contract suite counts them). */
  async resourcesOf(labId: string): Promise<string[]> {
    const labelSelector = `labfleet.io/lab-id=${labId}`;
    const lists = await Promise.all([
      this.core.listNamespace({ labelSelector }),
      this.core.listPodForAllNamespaces({ labelSelector }),
      this.core.listServiceForAllNamespaces({ labelSelector }),
      this.networking.listNetworkPolicyForAllNamespaces({ labelSelector }),
      this.core.listResourceQuotaForAllNamespaces({ labelSelector }),
      this.core.listLimitRangeForAllNamespaces({ labelSelector }),
    ]);
    return lists.flatMap((list, i) => list.items.map((o) => `${RESOURCES[i] === 'pods' ? 'container' : RESOURCES[i]}:${o.metadata!.name}`));
  }

  /** Stops the watches, and removes whatever this run's labs left (a failed test must not leave pods running). */
  async stop(): Promise<void> {
    const namespaces = (await this.core.listNamespace({ labelSelector: `labfleet.io/instance=${this.instance}` })).items;
    await Promise.all(namespaces.map((n) => this.core.deleteNamespace({ name: n.metadata!.name! }).catch(() => undefined)));
    for (const p of this.providers) p.onModuleDestroy();
  }
}
