import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabSpec, labNodeNames } from '@labfleet/domain';
import { eventually } from '@labfleet/testing';
import { createKubeConfig, KubernetesProvider } from '../src';
import { KubeObject } from './fake-kube/fake-kube-store';
import { PodScenario } from './fake-kube/fake-kubelet';
import { K8S_DIR, renderKustomization } from './kustomize-render';
import { FAKE_READY_TIMEOUT_SECONDS, FakeKubeSetup, FAKE_TEST_TIMEOUT_MS } from './fake-kube-setup';

let setup: FakeKubeSetup;
const SCENARIOS: PodScenario[] = ['image-pull-back-off', 'oom-killed', 'crash-loop', 'stays-pending'];

beforeAll(async () => {
  setup = await FakeKubeSetup.start();
  // The image tag picks what the fake kubelet does with the pod: `labfleet/lab:oom-killed`...
  setup.fake.kubelet.scenario = (pod) => {
    const tag = String(pod.spec.containers[0].image).split(':')[1] as PodScenario;
    return SCENARIOS.includes(tag) ? tag : 'ready';
  };
});
afterAll(() => setup.stop());
// A lab through the fake takes well under a second, but many seconds on a loaded 2-core machine:
// a test fails on what it checks (its own waits are shorter), not on Jest's 5 s default.
jest.setTimeout(FAKE_TEST_TIMEOUT_MS);

const owner = { schoolId: randomUUID(), courseId: randomUUID(), userId: randomUUID() };
function spec(options: { nodes?: number; image?: string; owner?: LabSpec['owner'] } = {}): LabSpec {
  return {
    labId: randomUUID(),
    templateName: 'docker',
    image: options.image ?? 'labfleet/lab:latest',
    nodes: labNodeNames(options.nodes ?? 1).map((name) => ({ name, hostname: name })),
    limits: { cpus: 1, memoryMb: 1024, pidsLimit: 512, diskMb: 4096 },
    reservation: { cpus: 0.05, memoryMb: 128 },
    images: [],
    owner: options.owner,
  };
}

describe('KubernetesProvider against a fake Kubernetes API server (not a cluster)', () => {
  it.each([
    ['image-pull-back-off', /node1 failed to start: ErrImagePull: .*not found/, true],
    ['oom-killed', /node1 failed to start: OOMKilled \(exit code 137\)/, false],
    ['crash-loop', /CrashLoopBackOff: back-off 10s .*; last run: Error \(exit code 1\): failed to start daemon/, true],
  ])('reports a %s pod at once, with the cluster’s own reason, not after the ready timeout', async (tag, reason, retryable) => {
    const provider = setup.provider({}, 60);
    const started = performance.now();
    await expect(provider.provision(spec({ image: `labfleet/lab:${tag}` }))).rejects.toMatchObject({ name: 'ProviderError', message: expect.stringMatching(reason), retryable });
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('gives up after the ready timeout with a retryable error saying what each node waits for', async () => {
    await expect(setup.provider({}, 1).provision(spec({ nodes: 2, image: 'labfleet/lab:stays-pending' }))).rejects.toMatchObject({
      message: 'lab nodes not ready within 1 s (node1: ContainerCreating, node2: ContainerCreating)',
      retryable: true,
    });
  });

  it('replaces, on the next attempt, a node pod that failed on the previous one', async () => {
    const s = spec();
    const scenario = setup.fake.kubelet.scenario;
    setup.fake.kubelet.scenario = () => 'oom-killed';
    await expect(setup.provider().provision(s)).rejects.toThrow(/OOMKilled/);
    const failedUid = setup.fake.store.list('pods', undefined, `labfleet.io/lab-id=${s.labId}`)[0].metadata.uid;
    setup.fake.kubelet.scenario = scenario;
    const handle = await setup.provider().provision(s);
    expect(handle.nodes[0].runtimeId).not.toBe(failedUid);
    expect(setup.resourcesOf(s.labId).filter((r) => r.startsWith('container:'))).toHaveLength(1);
  });

  it('adopts what another worker made (409 AlreadyExists) and refuses a namespace that is not the lab’s', async () => {
    const s = spec({ nodes: 2 });
    const first = await setup.provider().provision(s);
    const creates = setup.fake.calls.length;
    const second = await setup.provider().provision(s);
    expect(second.nodes.map((n) => n.runtimeId)).toEqual(first.nodes.map((n) => n.runtimeId));
    expect(setup.fake.calls.slice(creates).some((c) => c.verb === 'create')).toBe(true);

    const squatted = spec();
    setup.fake.store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `labfleet-${squatted.labId}`, labels: { 'labfleet.io/instance': 'someone-else' } } });
    await expect(setup.provider().provision(squatted)).rejects.toMatchObject({ message: expect.stringMatching(/is not this lab's/), retryable: false });
  });

  it('creates the Service and pods once the new ResourceQuota is usable (the API server refuses them until its usage is known)', async () => {
    setup.fake.settings.quotaSyncMs = 300;
    try {
      const before = setup.fake.calls.length;
      const s = spec();
      await setup.provider().provision(s);
      const counted = setup.fake.calls.slice(before).filter((c) => (c.resource === 'pods' || c.resource === 'services') && c.verb === 'create');
      expect(counted.length).toBeGreaterThan(2);
      expect(setup.resourcesOf(s.labId).filter((r) => r.startsWith('container:'))).toHaveLength(1);
    } finally {
      setup.fake.settings.quotaSyncMs = 30;
    }
  });

  it('inspect answers from the watch: a node that stops later is reported with its reason, with no API call', async () => {
    const provider = setup.provider();
    const s = spec({ nodes: 2 });
    await provider.provision(s);
    const calls = setup.fake.calls.length;
    setup.fake.kubelet.terminate(`labfleet-${s.labId}`, `lab-${s.labId}-node2`, 'OOMKilled', 137);
    await eventually(async () => expect(await provider.inspect(s.labId)).toEqual({ state: 'stopped', reason: 'lab node node2 stopped: OOMKilled (exit code 137)' }), {
      timeoutMs: 5000,
      what: 'the watch to report node2 stopped',
    });
    expect(setup.fake.calls.length).toBe(calls);
  });

  it('destroy deletes the lab namespace and resolves only once it is gone', async () => {
    const provider = setup.provider();
    const s = spec();
    await provider.provision(s);
    setup.fake.settings.namespaceDeleteMs = 400;
    try {
      const started = performance.now();
      await provider.destroy(s.labId);
      expect(performance.now() - started).toBeGreaterThanOrEqual(400);
      expect(setup.resourcesOf(s.labId)).toEqual([]);
      expect(setup.fake.store.get('namespaces', undefined, `labfleet-${s.labId}`)).toBeUndefined();
    } finally {
      setup.fake.settings.namespaceDeleteMs = 40;
    }
  });

  it('destroy kills the lab’s pods at once: their room and the namespace do not wait for a grace period', async () => {
    const provider = setup.provider();
    const s = spec({ nodes: 2 });
    await provider.provision(s);
    setup.fake.settings.podDeleteMs = 3000;
    try {
      const started = performance.now();
      await provider.destroy(s.labId);
      expect(performance.now() - started).toBeLessThan(1500);
      expect(setup.resourcesOf(s.labId)).toEqual([]);
    } finally {
      setup.fake.settings.podDeleteMs = 20;
    }
  });

  it('reconcile sees a labelled namespace with no live lab, and destroy removes it', async () => {
    const orphan = randomUUID();
    setup.fake.store.create('namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: `labfleet-${orphan}`, labels: { 'labfleet.io/managed': 'true', 'labfleet.io/instance': 'itest', 'labfleet.io/lab-id': orphan } },
    });
    const provider = setup.provider();
    expect([...(await provider.labRuntimes()).keys()]).toContain(orphan);
    await provider.destroy(orphan);
    expect([...(await provider.labRuntimes()).keys()]).not.toContain(orphan);
  });

  it('in course mode, labs share the course namespace yet cannot reach each other; destroy removes a lab’s pods before its NetworkPolicy', async () => {
    const provider = setup.provider({ namespaceMode: 'course' });
    const [a, b] = [spec({ nodes: 2, owner }), spec({ owner })];
    await Promise.all([provider.provision(a), provider.provision(b)]);
    const ns = `labfleet-course-${owner.courseId}`;
    expect(setup.fake.store.list('pods', ns, null)).toHaveLength(3);
    const exec = (command: string[]) => provider.exec(a.labId, { node: 'node1', command, timeoutMs: 5000 });
    expect(await exec(['ping', '-c1', '-W2', 'node2'])).toMatchObject({ exitCode: 0 });
    expect(await exec(['ping', '-c1', '-W2', `node1.lab-${b.labId}.${ns}.svc.cluster.local`])).toMatchObject({ exitCode: 1, stdout: expect.stringMatching(/100% packet loss/) });

    const deleted: string[] = [];
    const unsubscribe = setup.fake.store.subscribe((e) => e.type === 'DELETED' && deleted.push(`${e.resource}:${e.object.metadata.name}`));
    await provider.destroy(a.labId);
    unsubscribe();
    expect(deleted.indexOf(`networkpolicies:lab-${a.labId}`)).toBeGreaterThan(deleted.indexOf(`pods:lab-${a.labId}-node2`));
    expect(deleted.filter((d) => d.includes(b.labId))).toEqual([]);
    expect(setup.fake.store.get('namespaces', undefined, ns)).toBeDefined();
    expect([...(await provider.labRuntimes()).keys()]).toEqual(expect.arrayContaining([b.labId]));
    expect([...(await provider.labRuntimes()).keys()]).not.toContain(a.labId);
    expect(await provider.inspect(b.labId)).toEqual({ state: 'running' });
  });

  it('lets a multi-node lab’s nodes find each other by name on a cluster without DNS (their peers go in /etc/hosts)', async () => {
    setup.fake.network.clusterDns = false;
    try {
      const provider = setup.provider();
      const s = spec({ nodes: 3 });
      await provider.provision(s);
      for (const [from, to] of [['node1', 'node3'], ['node3', 'node2'], ['node2', `node1.lab-${s.labId}.labfleet-${s.labId}.svc.cluster.local`]]) {
        expect([from, to, await provider.exec(s.labId, { node: from, command: ['ping', '-c1', '-W2', to], timeoutMs: 5000 })]).toMatchObject([from, to, { exitCode: 0 }]);
      }
    } finally {
      setup.fake.network.clusterDns = true;
    }
  });

  it('lets the API’s pods from k8s/ (the port proxy) into a lab node, and no other platform pod', async () => {
    const s = spec();
    await setup.provider().provision(s);
    const labPod = setup.fake.store.list('pods', undefined, `labfleet.io/lab-id=${s.labId}`)[0];
    if (!setup.fake.store.get('namespaces', undefined, 'labfleet')) {
      setup.fake.store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'labfleet', labels: { 'kubernetes.io/metadata.name': 'labfleet' } } });
    }
    const platform = renderKustomization(join(K8S_DIR, 'overlays/evaluation'));
    const podOf = (name: string): KubeObject => {
      const workload = platform.find((d) => d.metadata.name === name && d.spec?.template)!;
      return { metadata: { name: `${name}-0`, namespace: 'labfleet', labels: workload.spec.template.metadata.labels }, spec: {} };
    };
    expect(setup.fake.network.allows(podOf('labfleet-api'), labPod, 8080)).toBe(true);
    for (const other of ['labfleet-worker', 'labfleet-registry', 'labfleet-postgres', 'labfleet-redis']) {
      expect([other, setup.fake.network.allows(podOf(other), labPod, 8080)]).toEqual([other, false]);
    }
    // And the lab still cannot open connections to the API.
    expect(setup.fake.network.allows(labPod, podOf('labfleet-api'), 3000)).toBe(false);
  });

  it('refuses exec on a node that is not running', async () => {
    const provider = setup.provider();
    await expect(provider.exec(randomUUID(), { node: 'node1', command: ['true'], timeoutMs: 1000 })).rejects.toMatchObject({ message: 'lab node node1 is not running', retryable: false });
  });

  it('works from a kubeconfig file (KUBECONFIG)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'labfleet-kubeconfig-'));
    const file = join(dir, 'config');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{name: fake, cluster: {server: "${setup.fake.url}", insecure-skip-tls-verify: true}}]`,
        'users: [{name: worker, user: {token: not-a-real-token}}]',
        'contexts: [{name: fake, context: {cluster: fake, user: worker}}]',
        'current-context: fake',
      ].join('\n'),
    );
    const provider = setup.provider({}, FAKE_READY_TIMEOUT_SECONDS, createKubeConfig(file));
    await expect(provider.ping()).resolves.toBeUndefined();
    const s = spec();
    await provider.provision(s);
    expect([...(await provider.labRuntimes()).keys()]).toContain(s.labId);
  });

  it('reports an API server it cannot reach as a dependency outage', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const kc = setup.fake.kubeConfig();
    kc.loadFromClusterAndUser({ name: 'gone', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }, { name: 'u', token: 't' });
    const provider: KubernetesProvider = setup.provider({}, FAKE_READY_TIMEOUT_SECONDS, kc);
    await expect(provider.ping()).rejects.toMatchObject({ name: 'DependencyUnavailableError', dependency: 'kubernetes' });
    await expect(provider.inspect(randomUUID())).rejects.toMatchObject({ name: 'DependencyUnavailableError', dependency: 'kubernetes' });
    await expect(provider.labRuntimes()).rejects.toMatchObject({ dependency: 'kubernetes' });
  });
});
