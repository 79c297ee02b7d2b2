import { randomUUID } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import { LabSpec, labNodeNames } from '@labfleet/domain';
import { eventually } from '@labfleet/testing';
import { buildLabObjects } from '../src';
import { FakeKubeSetup, providerConfig, FAKE_TEST_TIMEOUT_MS } from './fake-kube-setup';
import { KubeObject } from './fake-kube/fake-kube-store';

let setup: FakeKubeSetup;
beforeAll(async () => {
  setup = await FakeKubeSetup.start();
});
const made: string[] = [];
// The fake node's room is shared: each test starts with no lab on it.
afterEach(async () => {
  setup.fake.kubelet.scheduler.room = null;
  for (const id of made.splice(0)) await setup.provider().destroy(id);
});
afterAll(() => setup.stop());
// A lab through the fake takes well under a second, but many seconds on a loaded 2-core machine:
// a test fails on what it checks (its own waits are shorter), not on Jest's 5 s default.
jest.setTimeout(FAKE_TEST_TIMEOUT_MS);

function spec(nodes = 1, reservation = { cpus: 0.05, memoryMb: 128 }): LabSpec {
  const labId = randomUUID();
  made.push(labId);
  return {
    labId,
    templateName: 'docker',
    image: 'labfleet/lab:latest',
    nodes: labNodeNames(nodes).map((name) => ({ name, hostname: name })),
    limits: { cpus: 1, memoryMb: 1024, pidsLimit: 512, diskMb: 4096 },
    reservation,
    images: [],
  };
}
const podsOf = (labId: string) => setup.fake.store.list('pods', undefined, `labfleet.io/lab-id=${labId}`);

describe('Kubernetes labs against a fake API server that answers in a real one’s order (not a cluster)', () => {
  it('a re-create over the lab’s quota is refused 403 before any 409, and provision adopts what is there', async () => {
    const provider = setup.provider();
    const s = spec(2);
    const first = await provider.provision(s);
    // What the API server answers the provider's second attempt: admission first, as kube-apiserver does.
    const { pods } = buildLabObjects(s, { ...providerConfig().kubernetes, instance: 'itest', securityProfile: 'confined' });
    const again = await fetch(`${setup.fake.url}/api/v1/namespaces/labfleet-${s.labId}/pods`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(pods[0]) });
    expect(again.status).toBe(403);
    expect(((await again.json()) as { message: string }).message).toMatch(
      new RegExp(`^pods "lab-${s.labId}-node1" is forbidden: exceeded quota: lab-${s.labId}, requested: .*pods=1.*, used: .*pods=2.*, limited: .*pods=2`),
    );
    // A second worker (or this one after a crash) provisions the same lab: it adopts, it does not fail.
    const second = await setup.provider().provision(s);
    expect(second.nodes.map((n) => n.runtimeId)).toEqual(first.nodes.map((n) => n.runtimeId));
    expect(podsOf(s.labId)).toHaveLength(2);
  });

  it('a lab the cluster cannot place waits with the scheduler’s reason, and is placed and ready once room frees up', async () => {
    // One node with room for two labs' reservations (50m each), memory to spare.
    setup.fake.kubelet.scheduler.room = { cpus: 0.1, memoryMb: 64 * 1024 };
    const provider = setup.provider({}, 1);
    const [a, b, c] = [spec(), spec(), spec()];
    for (const s of [a, b]) expect(await provider.place(s)).toEqual({ placed: true });
    await Promise.all([provider.provision(a), provider.provision(b)]);

    const waiting = await provider.place(c);
    expect(waiting).toEqual({ placed: false, reason: 'node1: 0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.' });
    // Placement is asked again and again while the lab waits: nothing is made twice.
    expect(await provider.place(c)).toEqual(waiting);
    expect(podsOf(c.labId)).toHaveLength(1);
    // Provisioning it anyway waits too, and says what for; it does not fail the lab for good.
    await expect(provider.provision(c)).rejects.toMatchObject({ message: expect.stringMatching(/node1: Unschedulable: 0\/1 nodes are available: 1 Insufficient cpu/), retryable: true });

    await provider.destroy(a.labId);
    await eventually(async () => expect(await provider.place(c)).toEqual({ placed: true }), { timeoutMs: 5000, what: 'the waiting lab to be placed' });
    const handle = await provider.provision(c);
    expect(handle.nodes[0].runtimeId).toBe(podsOf(c.labId)[0].metadata.uid);
  });

  it('a multi-node lab is placed only when every node is', async () => {
    setup.fake.kubelet.scheduler.room = { cpus: 0.1, memoryMb: 64 * 1024 };
    const provider = setup.provider();
    const big = spec(3, { cpus: 0.15, memoryMb: 384 }); // 50m per node: two fit, the third waits
    expect(await provider.place(big)).toEqual({ placed: false, reason: expect.stringMatching(/^node3: 0\/1 nodes are available: 1 Insufficient cpu/) });
  });

  it('admission and the scheduler count alike: pods request the reservation, capacity leaves out other workloads', async () => {
    const provider = setup.provider();
    const s = spec(3, { cpus: 0.15, memoryMb: 384 });
    await provider.provision(s);
    const requests = podsOf(s.labId).map((p) => (p as V1Pod).spec!.containers[0].resources!.requests);
    expect(requests).toEqual(Array(3).fill({ cpu: '50m', memory: '128Mi', 'ephemeral-storage': '0' }));

    const node: KubeObject = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'worker-1', labels: { 'kubernetes.io/os': 'linux' } },
      spec: {},
      status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
    };
    const other: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'someone-elses', namespace: 'default' },
      spec: { nodeName: 'worker-1', containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu: '1500m', memory: '1Gi' } } }] },
      status: { phase: 'Running' },
    };
    setup.fake.store.create('nodes', node);
    setup.fake.store.create('pods', other);
    for (const pod of podsOf(s.labId)) setup.fake.store.update('pods', { ...pod, spec: { ...pod.spec, nodeName: 'worker-1' } });
    try {
      // Labs' own pods are admission's to count (it counts every live lab's reservation); the rest is gone.
      expect(await provider.capacity()).toEqual({ cpus: 2.5, memoryMb: 7 * 1024 });
    } finally {
      setup.fake.store.remove('pods', 'default', 'someone-elses');
      setup.fake.store.remove('nodes', undefined, 'worker-1');
    }
  });
});
