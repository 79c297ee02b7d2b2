import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { LabSpec, tarArchive } from '@labfleet/domain';
import { labSpec } from '@labfleet/testing';
import { RecordedCall } from './fake-kube/fake-kube-api-server';
import { FakeKubeSetup, FAKE_TEST_TIMEOUT_MS } from './fake-kube-setup';
import { K8S_DIR, Manifest, renderKustomization } from './kustomize-render';

let setup: FakeKubeSetup;
beforeAll(async () => {
  setup = await FakeKubeSetup.start();
});
afterAll(() => setup.stop());

const spec = (nodes: number, owner?: LabSpec['owner']): LabSpec => ({ ...labSpec('labfleet/lab:latest', nodes), owner });

interface Rule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
  readonly resourceNames?: string[];
}

const rulesOf = (role: string): Rule[] => renderKustomization(join(K8S_DIR, 'base')).find((d: Manifest) => d.kind === 'ClusterRole' && d.metadata.name === role)!.rules;
const keysOf = (r: Rule) => r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}|${res}|${v}`)));

/** `group|resource|verb` for every grant of a ClusterRole in k8s/. */
const granted = (role: string): string[] => rulesOf(role).flatMap(keysOf);

/** Calls to a grant restricted by `resourceNames` that name something else: the API server would refuse them. */
function outsideResourceNames(role: string, calls: RecordedCall[]): string[] {
  const names = new Map(rulesOf(role).flatMap((r) => (r.resourceNames ? keysOf(r).map((k) => [k, r.resourceNames!] as const) : [])));
  return calls.map((c) => [`${c.group}|${c.resource}|${c.verb}`, c.name] as const).filter(([key, name]) => names.has(key) && !names.get(key)!.includes(name!)).map(([key, name]) => `${key} ${name}`);
}

const made = (calls: RecordedCall[]) => [...new Set(calls.map((c) => `${c.group}|${c.resource}|${c.verb}`))];

async function recording(run: () => Promise<void>): Promise<RecordedCall[]> {
  setup.fake.calls.length = 0;
  await run();
  return [...setup.fake.calls];
}

// The fake server and the provider run in this process: on a loaded 2-core machine a pass takes seconds.
jest.setTimeout(FAKE_TEST_TIMEOUT_MS);

describe('RBAC in k8s/ grants exactly the calls the provider makes (recorded by a fake API server, not a cluster)', () => {
  it('the worker: provision (with adoption after 409 and a failed node replaced), set-up steps, inspect, reconcile, capacity, destroy, in both namespace modes, with a student namespace', async () => {
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
      await worker.exec(lab.labId, { node: 'node2', command: ['docker', 'info'], timeoutMs: 5000 }); // a template's set-up step
      await worker.inspect(lab.labId);
      await worker.labRuntimes();
      await worker.capacity();
      await worker.destroy(lab.labId);
      await worker.destroy(replaced.labId);
      const course = setup.provider({ namespaceMode: 'course' });
      const shared = spec(1, { schoolId: randomUUID(), courseId: randomUUID(), userId: null });
      await course.provision(shared);
      await course.provision(shared);
      await course.destroy(shared.labId);
      const kubernetes = { ...spec(1), studentKubernetes: { pods: 20, cpus: 2, memoryMb: 2048 } };
      await worker.provision(kubernetes);
      await setup.provider().provision(kubernetes);
      await worker.destroy(kubernetes.labId);
      await worker.ping();
    });
    expect(made(calls).sort()).toEqual(granted('labfleet-worker').sort());
    expect(outsideResourceNames('labfleet-worker', calls)).toEqual([]);
  });

  it('the API: exec, the web terminal and file copy in a lab node, capacity for admission, and the health check', async () => {
    const lab = spec(1);
    await setup.provider().provision(lab);
    const calls = await recording(async () => {
      const api = setup.provider();
      await api.exec(lab.labId, { node: 'node1', command: ['docker', 'info'], timeoutMs: 5000 });
      const terminal = await api.attach(lab.labId, { node: 'node1', command: ['bash'], cols: 80, rows: 24 });
      const ended = new Promise<void>((resolve) => terminal.onEnd(resolve));
      terminal.write('exit\r');
      await ended;
      await api.copyIn(lab.labId, { node: 'node1', path: '/root' }, await tarArchive({ 'hello.txt': 'hello' }));
      (await api.copyOut(lab.labId, { node: 'node1', path: '/root/hello.txt' })).resume();
      await api.capacity();
      await api.ping();
    });
    expect(made(calls).sort()).toEqual(granted('labfleet-api').sort());
    expect(outsideResourceNames('labfleet-api', calls)).toEqual([]);
  });
});
