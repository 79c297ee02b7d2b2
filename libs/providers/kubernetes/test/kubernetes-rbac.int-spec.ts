import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { LabSpec, labNodeNames } from '@labfleet/domain';
import { RecordedCall } from './fake-kube/fake-kube-api-server';
import { FakeKubeSetup } from './fake-kube-setup';
import { K8S_DIR, Manifest, renderKustomization } from './kustomize-render';

let setup: FakeKubeSetup;
beforeAll(async () => {
  setup = await FakeKubeSetup.start();
});
afterAll(() => setup.stop());

const spec = (nodes: number, owner?: LabSpec['owner']): LabSpec => ({
  labId: randomUUID(),
  templateName: 'docker',
  image: 'labfleet/lab:latest',
  nodes: labNodeNames(nodes).map((name) => ({ name, hostname: name })),
  limits: { cpus: 1, memoryMb: 1024, pidsLimit: 512, diskMb: null },
  images: [],
  owner,
});

/** `group|resource|verb` for every grant of a ClusterRole in k8s/. */
function granted(role: string): string[] {
  const doc = renderKustomization(join(K8S_DIR, 'base')).find((d: Manifest) => d.kind === 'ClusterRole' && d.metadata.name === role)!;
  return (doc.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[]).flatMap((r) =>
    r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}|${res}|${v}`))),
  );
}
const made = (calls: RecordedCall[]) => [...new Set(calls.map((c) => `${c.group}|${c.resource}|${c.verb}`))];

async function recording(run: () => Promise<void>): Promise<string[]> {
  setup.fake.calls.length = 0;
  await run();
  return made(setup.fake.calls);
}

describe('RBAC in k8s/ grants exactly the calls the provider makes (recorded by a fake API server, not a cluster)', () => {
  it('the worker: provision (with adoption after 409 and a failed node replaced), inspect, reconcile, destroy, in both namespace modes', async () => {
    const calls = await recording(async () => {
      const worker = setup.provider();
      const lab = spec(2);
      await worker.provision(lab);
      await setup.provider().provision(lab); // another worker adopts: reads back what exists
      const replaced = spec(1);
      setup.fake.kubelet.scenario = () => 'oom-killed';
      await expect(worker.provision(replaced)).rejects.toThrow(/OOMKilled/);
      setup.fake.kubelet.scenario = () => 'ready';
      await worker.provision(replaced);
      await worker.inspect(lab.labId);
      await worker.listLabIds();
      await worker.destroy(lab.labId);
      await worker.destroy(replaced.labId);
      const course = setup.provider({ namespaceMode: 'course' });
      const shared = spec(1, { schoolId: randomUUID(), courseId: randomUUID(), userId: null });
      await course.provision(shared);
      await course.provision(shared);
      await course.destroy(shared.labId);
      await worker.ping();
    });
    expect(calls.sort()).toEqual(granted('labfleet-worker').sort());
  });

  it('the API: exec in a lab node and the health check', async () => {
    const lab = spec(1);
    await setup.provider().provision(lab);
    const calls = await recording(async () => {
      const api = setup.provider();
      await api.exec(lab.labId, { node: 'node1', command: ['docker', 'info'], timeoutMs: 5000 });
      await api.ping();
    });
    expect(calls.sort()).toEqual(granted('labfleet-api').sort());
  });
});
