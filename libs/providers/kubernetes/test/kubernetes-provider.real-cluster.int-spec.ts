import { randomUUID } from 'node:crypto';
import type { LabSecurityProfile } from '@labfleet/config';
import { LabSpec, labNodeNames } from '@labfleet/domain';
import { ContractHarness, eventually, labProviderContract } from '@labfleet/testing';
import { buildLabObjects, KubernetesProvider } from '../src';
import { LAB_IMAGE, providerConfig } from './fake-kube-setup';
import { describeOnRealCluster, RealKubeSetup } from './real-cluster';

let setup: RealKubeSetup;
beforeAll(() => {
  setup = new RealKubeSetup();
});
afterAll(() => setup?.stop());

function contractOf(securityProfile: LabSecurityProfile): void {
  let harness: ContractHarness;
  beforeAll(() => {
    harness = setup.harness(setup.provider({ securityProfile }));
  });
  labProviderContract(() => harness, LAB_IMAGE[securityProfile]);
}

describeOnRealCluster('KubernetesProvider on a real cluster (LABFLEET_TEST_KUBECONFIG): LabProvider contract', () => {
  contractOf('confined');
});

describeOnRealCluster('KubernetesProvider on a real cluster (LABFLEET_TEST_KUBECONFIG): LabProvider contract, privileged profile', () => {
  contractOf('privileged');
});


describeOnRealCluster('KubernetesProvider on a real cluster (LABFLEET_TEST_KUBECONFIG): what only a real one shows', () => {
  jest.setTimeout(180_000);
  let provider: KubernetesProvider;
  const made: string[] = [];
  beforeAll(() => {
    provider = setup.provider();
  });
  afterAll(async () => {
    for (const id of made) await provider.destroy(id).catch(() => undefined);
  });

  function spec(nodes = 1, reservation = { cpus: 0.05, memoryMb: 128 }): LabSpec {
    const labId = randomUUID();
    made.push(labId);
    return {
      labId,
      templateName: 'real-cluster',
      image: LAB_IMAGE.confined,
      nodes: labNodeNames(nodes).map((name) => ({ name, hostname: name })),
      limits: { cpus: Math.max(1, reservation.cpus), memoryMb: 1024, pidsLimit: 1024, diskMb: 2048 },
      reservation,
      images: [],
    };
  }

  it('answers a re-create over the lab’s quota with 403 exceeded quota, never 409, and provision adopts the lab', async () => {
    const s = spec();
    const first = await provider.provision(s);
    const { pods } = buildLabObjects(s, { ...providerConfig().kubernetes, instance: setup.instance, securityProfile: 'confined' });
    const again = setup.core.createNamespacedPod({ namespace: pods[0].metadata!.namespace!, body: pods[0] });
    await expect(again).rejects.toMatchObject({ code: 403, body: expect.stringContaining('exceeded quota') });
    const second = await setup.provider().provision(s);
    expect(second.nodes[0].runtimeId).toBe(first.nodes[0].runtimeId);
  });

  it('keeps a lab the cluster has no room for waiting with the scheduler’s reason, and places it once room frees up', async () => {
    const capacity = await provider.capacity();
    // Each lab asks for more than half of what labs can have: one fits, the next must wait.
    const big = { cpus: Math.round(capacity.cpus * 0.6 * 1000) / 1000, memoryMb: 256 };
    const [first, second] = [spec(1, big), spec(1, big)];
    expect(await provider.place(first)).toEqual({ placed: true });
    await provider.provision(first);
    const waiting = await provider.place(second);
    expect(waiting).toEqual({ placed: false, reason: expect.stringMatching(/^node1: 0\/1 nodes are available: 1 Insufficient cpu/) });
    await provider.destroy(first.labId);
    await eventually(async () => expect(await provider.place(second)).toEqual({ placed: true }), { timeoutMs: 30_000, what: 'the waiting lab to be placed' });
    await provider.provision(second);
  });

  it('gives lab pods DNS with ndots 1 (docker.io is asked as is first)', async () => {
    const s = spec();
    await provider.provision(s);
    const resolv = await provider.exec(s.labId, { node: 'node1', command: ['cat', '/etc/resolv.conf'], timeoutMs: 10_000 });
    expect(resolv.stdout).toMatch(/^options .*ndots:1/m);
    expect(resolv.stdout).toMatch(new RegExp(`^search .*lab-${s.labId}\\.`, 'm'));
  });
});
