import { KubeConfig } from '@kubernetes/client-node';
import { LabSpec } from '@labfleet/domain';
import { eventually, labSpec } from '@labfleet/testing';
import { KubernetesProvider } from '../src';
import { FAKE_API_SERVER_ADDRESS, FAKE_ROOT_CA, fakeToken } from './fake-kube/fake-control-plane';
import { KubeObject } from './fake-kube/fake-kube-store';
import { FakeKubeSetup, FAKE_TEST_TIMEOUT_MS } from './fake-kube-setup';

let setup: FakeKubeSetup;
let provider: KubernetesProvider;
beforeAll(async () => {
  setup = await FakeKubeSetup.start();
  provider = setup.provider();
});
afterAll(() => setup.stop());

jest.setTimeout(FAKE_TEST_TIMEOUT_MS);

const QUOTA = { pods: 20, cpus: 2, memoryMb: 2048 };
const kubernetesLab = (): LabSpec => ({ ...labSpec('labfleet/lab:latest', 1), studentKubernetes: QUOTA });
const studentNs = (s: LabSpec) => `labfleet-k8s-${s.labId}`;
const labPod = (s: LabSpec) => setup.fake.store.list('pods', undefined, `labfleet.io/lab-id=${s.labId}`)[0];
const get = (resource: string, namespace: string | undefined, name: string) => setup.fake.store.get(resource, namespace, name);

/** The kubeconfig in the lab's node1, as the fake copy-in script left it, read by a Kubernetes client. */
function kubeconfigIn(s: LabSpec): KubeConfig {
  const file = setup.fake.files.of(labPod(s)).stat('/root/.kube/config');
  if (file?.type !== 'file') throw new Error('no /root/.kube/config in the lab');
  const kc = new KubeConfig();
  kc.loadFromString(file.content.toString('utf8'));
  return kc;
}

/** A pod a student makes in their namespace, labelled as if it were a node of another lab. */
function impostor(namespace: string, victim: LabSpec): KubeObject {
  const labels = { 'labfleet.io/managed': 'true', 'labfleet.io/instance': 'itest', 'labfleet.io/lab-id': victim.labId, 'labfleet.io/node': 'node1' };
  const pod = setup.fake.store.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'impostor', namespace, labels }, spec: { containers: [{ name: 'dind', image: 'evil' }] } });
  return setup.fake.store.update('pods', { ...pod, status: { phase: 'Failed', containerStatuses: [{ name: 'dind', state: { terminated: { reason: 'Error', exitCode: 1 } } }] } });
}

describe('a lab with a Kubernetes namespace of the student’s own (fake API server, not a cluster)', () => {
  it('makes the namespace, its isolation, quota and rights, and puts a kubeconfig for it in the lab before provision resolves', async () => {
    const s = kubernetesLab();
    await provider.provision(s);
    const ns = studentNs(s);
    expect(get('namespaces', undefined, ns)?.metadata.labels).toMatchObject({ 'labfleet.io/role': 'student', 'labfleet.io/lab-id': s.labId, 'pod-security.kubernetes.io/enforce': 'baseline' });
    expect(setup.resourcesOf(s.labId).sort()).toEqual(
      [
        `namespaces:labfleet-${s.labId}`,
        `namespaces:${ns}`,
        `container:lab-${s.labId}-node1`,
        `services:lab-${s.labId}`,
        `networkpolicies:lab-${s.labId}`,
        'networkpolicies:student',
        `resourcequotas:lab-${s.labId}`,
        'resourcequotas:student',
        `limitranges:lab-${s.labId}`,
        'limitranges:student',
        'serviceaccounts:student',
        'rolebindings:student',
        `clusterrolebindings:${ns}`,
      ].sort(),
    );
    expect(get('clusterrolebindings', undefined, ns)).toMatchObject({ roleRef: { name: 'labfleet-student-nodes' }, subjects: [{ kind: 'ServiceAccount', name: 'student', namespace: ns }] });
    expect(get('rolebindings', ns, 'student')).toMatchObject({ roleRef: { kind: 'ClusterRole', name: 'labfleet-student' } });

    const kc = kubeconfigIn(s);
    expect(kc.getContextObject(kc.getCurrentContext())).toMatchObject({ namespace: ns });
    expect(kc.getCurrentCluster()).toMatchObject({ server: 'https://kubernetes.default.svc', caData: Buffer.from(FAKE_ROOT_CA).toString('base64') });
    expect(kc.getCurrentUser()?.token).toBe(fakeToken(ns, 'student'));

    // KUBE_STUDENT_API_SERVER names a host: the lab may reach where the kubernetes Service leads.
    const egress = get('networkpolicies', `labfleet-${s.labId}`, `lab-${s.labId}`)!.spec.egress;
    expect(egress).toEqual(
      expect.arrayContaining([
        { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } }] },
        { to: [{ ipBlock: { cidr: `${FAKE_API_SERVER_ADDRESS.ip}/32` } }], ports: [{ protocol: 'TCP', port: 6443 }] },
      ]),
    );
    await provider.destroy(s.labId);
  });

  it('is idempotent: a second provision (another worker, or after a crash) adopts it all and writes the kubeconfig again', async () => {
    const s = kubernetesLab();
    await provider.provision(s);
    const before = setup.resourcesOf(s.labId).sort();
    setup.fake.files.of(labPod(s)).writeFile('/root/.kube/config', Buffer.from('clobbered'));
    await setup.provider().provision(s);
    expect(setup.resourcesOf(s.labId).sort()).toEqual(before);
    expect(kubeconfigIn(s).getCurrentUser()?.token).toBe(fakeToken(studentNs(s), 'student'));
    await provider.destroy(s.labId);
  });

  it('with an API server address, kubectl is pointed at it and the lab may reach only it', async () => {
    const direct = setup.provider({ studentApiServer: 'https://10.244.0.1:6443' });
    const s = kubernetesLab();
    await direct.provision(s);
    expect(kubeconfigIn(s).getCurrentCluster()?.server).toBe('https://10.244.0.1:6443');
    const apiServer = get('networkpolicies', `labfleet-${s.labId}`, `lab-${s.labId}`)!.spec.egress.filter((r: { to: { ipBlock?: unknown }[] }) => r.to[0].ipBlock);
    expect(apiServer).toEqual([{ to: [{ ipBlock: { cidr: '10.244.0.1/32' } }], ports: [{ protocol: 'TCP', port: 6443 }] }]);
    await direct.destroy(s.labId);
  });

  it('a lab without it gets none of it', async () => {
    const s = labSpec('labfleet/lab:latest', 1);
    await provider.provision(s);
    expect(get('namespaces', undefined, studentNs(s))).toBeUndefined();
    expect(setup.fake.files.of(labPod(s)).stat('/root/.kube/config')).toBeUndefined();
    expect(JSON.stringify(get('networkpolicies', `labfleet-${s.labId}`, `lab-${s.labId}`)!.spec.egress)).not.toMatch(/ipBlock|labfleet-k8s-/);
    await provider.destroy(s.labId);
  });

  it('teardown leaves nothing, the cluster-scoped binding included; reconcile finds and removes a binding left alone', async () => {
    const s = kubernetesLab();
    await provider.provision(s);
    expect([...(await provider.labRuntimes()).keys()]).toContain(s.labId);
    await provider.destroy(s.labId);
    expect(setup.resourcesOf(s.labId)).toEqual([]);
    expect([...(await provider.labRuntimes()).keys()]).not.toContain(s.labId);

    // A worker that died after the namespaces went but before the binding did.
    const left = kubernetesLab();
    await provider.provision(left);
    for (const ns of [`labfleet-${left.labId}`, studentNs(left)]) await fetch(`${setup.fake.url}/api/v1/namespaces/${ns}`, { method: 'DELETE' });
    await eventually(() => expect(setup.resourcesOf(left.labId)).toEqual([`clusterrolebindings:${studentNs(left)}`]), { timeoutMs: 10_000, what: 'the namespace controller to empty the namespaces' });
    expect([...(await provider.labRuntimes()).keys()]).toContain(left.labId);
    await provider.destroy(left.labId);
    expect(setup.resourcesOf(left.labId)).toEqual([]);
  });

  it("a student's pods and Services labelled as another lab's are never taken for that lab's (inspect, exec, reconcile, teardown)", async () => {
    const [a, b] = [kubernetesLab(), kubernetesLab()];
    await Promise.all([provider.provision(a), provider.provision(b)]);
    impostor(studentNs(a), b);
    const ghost = 'f0f0f0f0-0000-4000-8000-00000000dead';
    setup.fake.store.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ghost', namespace: studentNs(a), labels: { 'labfleet.io/managed': 'true', 'labfleet.io/instance': 'itest', 'labfleet.io/lab-id': ghost } } });
    // The pod watch delivers in order: once it has delivered a later change (lab a's node stopping),
    // it has delivered the impostor.
    setup.fake.kubelet.terminate(`labfleet-${a.labId}`, `lab-${a.labId}-node1`, 'Error', 1);
    await eventually(async () => expect(await provider.inspect(a.labId)).toMatchObject({ state: 'stopped' }), { timeoutMs: 5000, what: 'the pod watch to catch up' });
    expect(await provider.inspect(b.labId)).toEqual({ state: 'running' });
    const hostname = await provider.exec(b.labId, { node: 'node1', command: ['hostname'], timeoutMs: 5000 });
    expect(hostname.stdout.trim()).toBe('node1');
    const runtimes = await provider.labRuntimes();
    expect([...runtimes.keys()]).not.toContain(ghost);
    expect([runtimes.get(a.labId)?.state, runtimes.get(b.labId)]).toEqual(['stopped', { state: 'running' }]);
    await provider.destroy(b.labId);
    expect(get('pods', studentNs(a), 'impostor')).toBeDefined();
    await provider.destroy(a.labId);
    expect([...setup.resourcesOf(a.labId), ...setup.resourcesOf(b.labId)]).toEqual([]);
  });
});
