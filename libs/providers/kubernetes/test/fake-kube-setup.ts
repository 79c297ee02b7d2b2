import type { KubeConfig } from '@kubernetes/client-node';
import { ProviderKind } from '@labfleet/contracts';
import { KubernetesProvider, KubernetesProviderConfig } from '../src';
import { KubeOpenApiValidator } from './kube-openapi-validator';
import { FakeKubeApiServer } from './fake-kube/fake-kube-api-server';

/** Compiling the schema takes a moment: one validator per test file. */
let validator: KubeOpenApiValidator | undefined;

export function providerConfig(overrides: Partial<KubernetesProviderConfig['kubernetes']> = {}, readyTimeoutSeconds = 5): KubernetesProviderConfig {
  return {
    instance: 'itest',
    provider: {
      kind: ProviderKind.Kubernetes,
      dockerHost: 'unused',
      labImage: 'labfleet/lab:latest',
      securityProfile: 'privileged',
      runtime: null,
      disk: { limit: 'none', dir: '/unused' },
      readyTimeoutSeconds,
      execOutputLimitBytes: 1024 * 1024, subnetPool: '10.213.0.0/16', subnetPrefix: 27,
      tlsDir: null,
      portProxyRoute: 'network',
      placementTimeoutSeconds: 600,
    },
    kubernetes: {
      namespaceMode: 'lab',
      namespacePrefix: 'labfleet',
      platformNamespace: 'labfleet',
      runtimeClass: null,
      registryMirrorUrl: 'http://labfleet-registry.labfleet.svc:5000',
      clusterDomain: 'cluster.local',
      ...overrides,
    },
  };
}

/** A fake API server on loopback and a provider (real `@kubernetes/client-node`) pointed at it. */
export class FakeKubeSetup {
  private readonly providers: KubernetesProvider[] = [];

  private constructor(readonly fake: FakeKubeApiServer) {}

  static async start(): Promise<FakeKubeSetup> {
    validator ??= new KubeOpenApiValidator();
    return new FakeKubeSetup(await FakeKubeApiServer.start(validator));
  }

  provider(overrides: Partial<KubernetesProviderConfig['kubernetes']> = {}, readyTimeoutSeconds = 5, kc: KubeConfig = this.fake.kubeConfig()): KubernetesProvider {
    const provider = new KubernetesProvider(kc, providerConfig(overrides, readyTimeoutSeconds));
    this.providers.push(provider);
    return provider;
  }

  /** Every object in the fake cluster that carries the lab's id, as `kind:name`; pods as `container:` to match the contract suite. */
  resourcesOf(labId: string): string[] {
    const store = this.fake.store;
    const selector = `labfleet.io/lab-id=${labId}`;
    return ['namespaces', 'pods', 'services', 'networkpolicies', 'resourcequotas', 'limitranges'].flatMap((resource) =>
      store.list(resource, undefined, selector).map((o) => `${resource === 'pods' ? 'container' : resource}:${o.metadata.name}`),
    );
  }

  async stop(): Promise<void> {
    for (const p of this.providers) p.onModuleDestroy();
    await this.fake.stop();
  }
}
