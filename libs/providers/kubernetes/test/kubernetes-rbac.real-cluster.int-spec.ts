import { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { join } from 'node:path';
import { tarArchive } from '@labfleet/domain';
import { labSpec, tarFileDigests } from '@labfleet/testing';
import { KubernetesProvider } from '../src';
import { K8S_DIR, renderKustomization } from './kustomize-render';
import { describeOnRealCluster, RealKubeSetup } from './real-cluster';

/** What `kubectl apply -k k8s/base` gives the worker and the API: their namespace, ServiceAccounts and roles. */
const IDENTITY_KINDS = new Set(['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

describeOnRealCluster('RBAC of k8s/base on a real cluster (LABFLEET_TEST_KUBECONFIG): the worker and the API with their own tokens', () => {
  jest.setTimeout(180_000);
  let setup: RealKubeSetup;
  let objects: KubernetesObjectApi;
  const applied: KubernetesObject[] = [];

  beforeAll(async () => {
    setup = new RealKubeSetup();
    objects = KubernetesObjectApi.makeApiClient(setup.kc);
    for (const manifest of renderKustomization(join(K8S_DIR, 'base')).filter((m) => IDENTITY_KINDS.has(m.kind))) {
      const exists = await objects.read(manifest as KubernetesObject & { metadata: { name: string } }).then(() => true, () => false);
      if (exists) continue; // left by an earlier run, or the installation's own: not this run's to remove
      await objects.create(manifest);
      applied.push(manifest);
    }
  });
  afterAll(async () => {
    await setup.stop();
    for (const manifest of applied.reverse()) await objects.delete(manifest).catch(() => undefined);
  });

  it('lets the worker place, provision (twice: adoption), run a set-up step, inspect, reconcile, read capacity and destroy labs, a student namespace included', async () => {
    const worker = new KubernetesProvider(await setup.serviceAccountConfig('labfleet', 'labfleet-worker'), setup.providerConfig());
    try {
      const lab = labSpec('labfleet/lab:latest', 2);
      const kubernetes = { ...labSpec('labfleet/lab:latest', 1), studentKubernetes: { pods: 5, cpus: 1, memoryMb: 1024 } };
      for (const s of [lab, kubernetes]) {
        expect(await worker.place(s)).toEqual({ placed: true });
        await worker.provision(s);
        await worker.provision(s);
      }
      expect(await worker.exec(lab.labId, { node: 'node2', command: ['docker', 'info', '--format', '{{.ServerVersion}}'], timeoutMs: 10_000 })).toMatchObject({ exitCode: 0 });
      expect(await worker.inspect(lab.labId)).toEqual({ state: 'running' });
      expect([...(await worker.labRuntimes()).keys()]).toEqual(expect.arrayContaining([lab.labId, kubernetes.labId]));
      expect((await worker.capacity()).cpus).toBeGreaterThan(0);
      await worker.ping();
      for (const s of [lab, kubernetes]) await worker.destroy(s.labId);
      expect(await setup.resourcesOf(lab.labId)).toEqual([]);
    } finally {
      worker.onModuleDestroy();
    }
  });

  it('lets the API exec, open a terminal, copy files both ways, read capacity and ping, in a lab the worker made', async () => {
    const lab = labSpec('labfleet/lab:latest', 1);
    await setup.provider().provision(lab);
    const api = new KubernetesProvider(await setup.serviceAccountConfig('labfleet', 'labfleet-api'), setup.providerConfig());
    try {
      expect(await api.exec(lab.labId, { node: 'node1', command: ['true'], timeoutMs: 10_000 })).toMatchObject({ exitCode: 0 });
      const terminal = await api.attach(lab.labId, { node: 'node1', command: ['sh'], cols: 80, rows: 24 });
      terminal.close();
      await api.copyIn(lab.labId, { node: 'node1', path: '/root' }, await tarArchive({ 'hello.txt': Buffer.from('hi') }));
      expect(Object.keys(await tarFileDigests(await api.copyOut(lab.labId, { node: 'node1', path: '/root/hello.txt' })))).toEqual(['hello.txt']);
      expect((await api.capacity()).cpus).toBeGreaterThan(0);
      await api.ping();
    } finally {
      api.onModuleDestroy();
    }
  });
});
