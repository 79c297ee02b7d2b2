import type { KubeConfig } from '@kubernetes/client-node';
import type { LabSecurityProfile } from '@labfleet/config';
import { ProviderKind } from '@labfleet/contracts';
import { KubernetesProvider, KubernetesProviderConfig } from '../src';
import { KubeOpenApiValidator } from './kube-openapi-validator';
import { FakeKubeApiServer } from './fake-kube/fake-kube-api-server';
import type { FakeNodeRoom } from './fake-kube/fake-scheduler';

/** Compiling the schema takes a moment: one validator per test file. */
let validator: KubeOpenApiValidator | undefined;

/** Kubernetes settings to change, and the security profile (`confined` unless said). */
export type ProviderOverrides = Partial<KubernetesProviderConfig['kubernetes']> & { readonly securityProfile?: LabSecurityProfile };

/** The image config picks per profile (a lab's spec names it; this is what the config would say). */
export const LAB_IMAGE: Record<LabSecurityProfile, string> = { confined: 'labfleet/lab:latest', privileged: 'labfleet/lab-dind:latest', runtime: 'labfleet/lab-dind:latest' };

/**
 * How long the fake's pods (DinD containers on this engine) may take to answer. 5 s was enough on
 * a quiet host, not beside three e2e files (a fork bomb among them: load 85).
 */
export const FAKE_READY_TIMEOUT_SECONDS = 30;

/**
 * A test's own bound: longer than a provision's, so a slow node fails with the provider's message,
 * not Jest's (a 3-node lab beside two e2e files outlived a 30 s test bound).
 */
export const FAKE_TEST_TIMEOUT_MS = 3 * FAKE_READY_TIMEOUT_SECONDS * 1000;

export function providerConfig(overrides: ProviderOverrides = {}, readyTimeoutSeconds = FAKE_READY_TIMEOUT_SECONDS): KubernetesProviderConfig {
  const { securityProfile = 'confined', ...kubernetes } = overrides;
  return {
    instance: 'itest',
    provider: {
      kind: ProviderKind.Kubernetes,
      dockerHost: 'unused',
      labImage: LAB_IMAGE[securityProfile],
      securityProfile,
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
      seccompProfile: null,
      registryMirrorUrl: 'http://labfleet-registry.labfleet.svc:5000',
      clusterDomain: 'cluster.local',
      studentApiServer: 'https://kubernetes.default.svc',
      ...kubernetes,
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

  provider(overrides: ProviderOverrides = {}, readyTimeoutSeconds = FAKE_READY_TIMEOUT_SECONDS, kc: KubeConfig = this.fake.kubeConfig()): KubernetesProvider {
    const provider = new KubernetesProvider(kc, providerConfig(overrides, readyTimeoutSeconds));
    this.providers.push(provider);
    return provider;
  }

  /**
   * Lists the fake's one node as a real API server would (a Ready Linux Node, named as the
   * scheduler's, with `room` allocatable) and gives its scheduler that room: capacity counts what
   * the scheduler places by. Without it the fake lists no node and places every pod.
   */
  nodeWithRoom(room: FakeNodeRoom): void {
    const { scheduler } = this.fake.kubelet;
    const resources = { cpu: String(room.cpus), memory: `${room.memoryMb}Mi`, pods: '110' };
    this.fake.store.create('nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: scheduler.nodeName, labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/hostname': scheduler.nodeName } },
      spec: {},
      status: { capacity: resources, allocatable: resources, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }] },
    });
    scheduler.room = room;
  }

  /** Every object in the fake cluster that carries the lab's id, as `kind:name`; pods as `container:` to match the contract suite. */
  resourcesOf(labId: string): string[] {
    const store = this.fake.store;
    const selector = `labfleet.io/lab-id=${labId}`;
    return ['namespaces', 'pods', 'services', 'networkpolicies', 'resourcequotas', 'limitranges', 'serviceaccounts', 'rolebindings', 'clusterrolebindings'].flatMap((resource) =>
      store.list(resource, undefined, selector).map((o) => `${resource === 'pods' ? 'container' : resource}:${o.metadata.name}`),
    );
  }

  async stop(): Promise<void> {
    for (const p of this.providers) p.onModuleDestroy();
    await this.fake.stop();
  }
}
