import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api, V1ClusterRole } from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { LabSpec } from '@labfleet/domain';
import { eventually, labSpec } from '@labfleet/testing';
import { createKubeConfig, KubernetesProvider } from '../src';
import { LAB_IMAGE, providerConfig } from './fake-kube-setup';
import { K8S_DIR, Manifest, renderKustomization } from './kustomize-render';
import { describeOnRealCluster, REAL_KUBECONFIG, RealKubeSetup } from './real-cluster';

/** The API server as pods of the cluster reach it; the default needs cluster DNS. */
const STUDENT_API_SERVER = process.env.LABFLEET_TEST_STUDENT_API_SERVER ?? 'https://kubernetes.default.svc';

const QUOTA = { pods: 10, cpus: 1, memoryMb: 1024 };
const base = renderKustomization(join(K8S_DIR, 'base'));
const clusterRole = (name: string): V1ClusterRole => base.find((d: Manifest) => d.kind === 'ClusterRole' && d.metadata.name === name) as V1ClusterRole;

/**
 * The worker as k8s/ deploys it: a ServiceAccount bound to the labfleet-worker ClusterRole (under
 * a name of this run's), speaking with its own token, so the API server's RBAC, escalation check
 * included, judges every call the provider makes. Also installs the student ClusterRoles.
 */
async function workerKubeConfig(cluster: RealKubeSetup, instance: string): Promise<{ kc: KubeConfig; remove: () => Promise<void> }> {
  const { core } = cluster;
  const rbac = cluster.kc.makeApiClient(RbacAuthorizationV1Api);
  for (const name of ['labfleet-student', 'labfleet-student-nodes']) await rbac.createClusterRole({ body: clusterRole(name) }).catch((e: { code?: number }) => (e.code === 409 ? undefined : Promise.reject(e)));
  const namespace = `${instance}-platform`;
  const role = `labfleet-worker-${instance}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'labfleet-worker' } } });
  await rbac.createClusterRole({ body: { ...clusterRole('labfleet-worker'), metadata: { name: role } } });
  await rbac.createClusterRoleBinding({
    body: { metadata: { name: role }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ kind: 'ServiceAccount', name: 'labfleet-worker', namespace }] },
  });
  const kc = await cluster.serviceAccountConfig(namespace, 'labfleet-worker');
  const remove = async () => {
    await rbac.deleteClusterRoleBinding({ name: role }).catch(() => undefined);
    await rbac.deleteClusterRole({ name: role }).catch(() => undefined);
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  };
  return { kc, remove };
}

/**
 * Issue 13, point 4, on a real Kubernetes 1.25: two students' labs of a template with
 * `kubernetes`, made by the worker's own RBAC; in each, the course's kubectl commands through
 * lab-enter; neither can see or change the other's namespace or the cluster; nothing is left.
 * Where the cluster's CNI does not enforce NetworkPolicy (a bridge CNI), isolation here is RBAC's.
 */
describeOnRealCluster('a Kubernetes namespace of the student’s own on a real cluster (LABFLEET_TEST_KUBECONFIG, LABFLEET_TEST_STUDENT_API_SERVER)', () => {
  jest.setTimeout(300_000);
  const instance = `it-${randomUUID().slice(0, 8)}`;
  const admin = createKubeConfig(REAL_KUBECONFIG);
  const adminCore = admin.makeApiClient(CoreV1Api);
  const adminRbac = admin.makeApiClient(RbacAuthorizationV1Api);
  let worker: { kc: KubeConfig; remove: () => Promise<void> };
  let provider: KubernetesProvider;
  const a: LabSpec = { ...labSpec(LAB_IMAGE.confined, 1), limits: { cpus: 0.5, memoryMb: 1024, pidsLimit: 2048, diskMb: 2048 }, studentKubernetes: QUOTA };
  const b: LabSpec = { ...a, labId: randomUUID() };
  const readyMs: number[] = [];

  /** A shell command in a lab node, through lab-enter like a student's terminal. */
  const sh = async (lab: LabSpec, script: string) => {
    const r = await provider.exec(lab.labId, { node: 'node1', command: ['bash', '-c', script], timeoutMs: 120_000 });
    return { ...r, out: `${r.stdout}${r.stderr}` };
  };
  const ok = async (lab: LabSpec, script: string) => {
    const r = await sh(lab, script);
    expect([script, r.exitCode, r.out]).toEqual([script, 0, r.out]);
    return r.stdout;
  };
  const refused = async (lab: LabSpec, script: string) => {
    const r = await sh(lab, script);
    expect([script, r.exitCode]).toEqual([script, 1]);
    expect(r.out).toMatch(/Forbidden|forbidden/);
  };
  const leftovers = async (lab: LabSpec) => {
    const labelSelector = `labfleet.io/lab-id=${lab.labId}`;
    const [namespaces, bindings] = await Promise.all([adminCore.listNamespace({ labelSelector }), adminRbac.listClusterRoleBinding({ labelSelector })]);
    return [...namespaces.items, ...bindings.items].map((o) => o.metadata!.name!);
  };

  beforeAll(async () => {
    worker = await workerKubeConfig(new RealKubeSetup(), instance);
    const config = providerConfig({ registryMirrorUrl: null, studentApiServer: STUDENT_API_SERVER }, 120);
    provider = new KubernetesProvider(worker.kc, { ...config, instance });
    await Promise.all(
      [a, b].map(async (lab) => {
        const started = performance.now();
        await provider.provision(lab);
        readyMs.push(performance.now() - started);
      }),
    );
    console.log(`kubernetes labs ready in ${readyMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(' and ')} (both at once)`);
  });

  afterAll(async () => {
    await Promise.all([a, b].map((lab) => provider?.destroy(lab.labId).catch(() => undefined)));
    provider?.onModuleDestroy();
    await worker?.remove();
  });

  it('kubectl in each lab speaks as the student, in their own namespace, and may read nodes', async () => {
    for (const lab of [a, b]) {
      expect(await ok(lab, 'kubectl config view --minify -o jsonpath={..namespace}')).toBe(`labfleet-k8s-${lab.labId}`);
      expect(await ok(lab, 'kubectl auth can-i create deployments')).toBe('yes\n');
      expect(await ok(lab, 'kubectl get nodes -o name')).toMatch(/^node\//);
    }
  });

  it('the course’s commands work: create deployment, scale, expose, get pods -o wide, logs, exec, describe, apply -f', async () => {
    for (const lab of [a, b]) {
      await ok(lab, 'kubectl create deployment web --image=nginx:latest');
      // `:latest` is pulled Always; this cluster has the image but no registry to ask.
      await ok(lab, `kubectl patch deployment web --type=json -p '[{"op":"add","path":"/spec/template/spec/containers/0/imagePullPolicy","value":"IfNotPresent"}]'`);
      await ok(lab, 'kubectl scale deployment web --replicas=2');
      await ok(lab, 'kubectl expose deployment web --port=80');
      await ok(lab, 'kubectl rollout status deployment web --timeout=120s');
      // The pod of the first rollout (before the patch) takes a moment to go.
      await eventually(async () => expect((await ok(lab, 'kubectl get pods -l app=web -o name')).trim().split('\n')).toHaveLength(2), {
        timeoutMs: 120_000,
        what: 'the first rollout’s pod to go',
      });
      const pods = await ok(lab, 'kubectl get pods -o wide');
      expect(pods.split('\n').filter((l) => /^web-.*Running/.test(l))).toHaveLength(2);
      expect(pods).toMatch(/IP\s+NODE/);
      const pod = (await ok(lab, 'kubectl get pods -l app=web -o jsonpath={.items[0].metadata.name}')).trim();
      expect(await ok(lab, `kubectl exec ${pod} -- cat /etc/hostname`)).toBe(`${pod}\n`);
      // The Service has both pods behind it. (A cluster without kube-proxy routes no Service
      // address: the probe asks a pod directly, from another pod of the namespace.)
      expect((await ok(lab, 'kubectl get endpoints web -o jsonpath={.subsets[0].addresses[*].ip}')).trim().split(' ')).toHaveLength(2);
      const ip = (await ok(lab, `kubectl get pod ${pod} -o jsonpath={.status.podIP}`)).trim();
      await ok(lab, `kubectl run probe --image=nginx:latest --image-pull-policy=IfNotPresent --restart=Never --command -- curl -sf http://${ip}/`);
      await eventually(async () => expect(await ok(lab, 'kubectl get pod probe -o jsonpath={.status.phase}')).toBe('Succeeded'), { timeoutMs: 120_000, what: 'the probe pod to succeed' });
      expect(await ok(lab, 'kubectl logs probe')).toContain('Welcome to nginx');
      expect(await ok(lab, `kubectl logs ${pod}`)).toMatch(/"GET \/ HTTP\/1.1" 200/);
      expect(await ok(lab, `kubectl describe pod ${pod}`)).toMatch(/Limits:\s+cpu:\s+100m[\s\S]*Requests:\s+cpu:\s+25m/);
      const manifest = [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: {name: settings}',
        'data: {greeting: hello}',
        '---',
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata: {name: cache}',
        'spec:',
        '  replicas: 1',
        '  selector: {matchLabels: {app: cache}}',
        '  template:',
        '    metadata: {labels: {app: cache}}',
        '    spec:',
        '      containers: [{name: nginx, image: "nginx:latest", imagePullPolicy: IfNotPresent}]',
      ].join('\n');
      await ok(lab, `cat > /root/app.yaml <<'EOF'\n${manifest}\nEOF\nkubectl apply -f /root/app.yaml`);
      await ok(lab, 'kubectl rollout status deployment cache --timeout=120s');
      expect(await ok(lab, 'kubectl get configmap settings -o jsonpath={.data.greeting}')).toBe('hello');
    }
  });

  it('nothing outside the namespace is visible or changeable: not the other student’s, not other namespaces, not cluster-scoped objects', async () => {
    const other = `labfleet-k8s-${b.labId}`;
    await refused(a, `kubectl get pods -n ${other}`);
    await refused(a, `kubectl get deployment web -n ${other}`);
    await refused(a, `kubectl delete deployment web -n ${other}`);
    await refused(a, `kubectl exec -n ${other} deploy/web -- true`);
    await refused(a, `kubectl get secrets -n ${other}`);
    await refused(a, 'kubectl get namespaces');
    await refused(a, 'kubectl get pods -n kube-system');
    await refused(a, 'kubectl get pods -A');
    await refused(a, 'kubectl create namespace escape');
    await refused(a, 'kubectl create clusterrolebinding escape --clusterrole=cluster-admin --serviceaccount=default:default');
    await refused(a, 'kubectl label node --all escape=yes');
    // Nor can a student widen their own isolation or quota.
    await refused(a, 'kubectl delete networkpolicy student');
    await refused(a, 'kubectl delete resourcequota student');
    await refused(a, 'kubectl create rolebinding more --clusterrole=admin --serviceaccount=default:default');
    await refused(a, 'kubectl create serviceaccount another');
    await refused(a, 'kubectl expose deployment web --name=outside --type=NodePort --port=80');
    // B's workloads are untouched.
    expect(await ok(b, 'kubectl get deployment web -o jsonpath={.status.readyReplicas}')).toBe('2');
  });

  it('destroy leaves nothing of either lab: namespaces, workloads, ClusterRoleBindings', async () => {
    expect((await leftovers(a)).length).toBeGreaterThan(0);
    await Promise.all([provider.destroy(a.labId), provider.destroy(b.labId)]);
    await eventually(async () => expect([...(await leftovers(a)), ...(await leftovers(b))]).toEqual([]), { timeoutMs: 120_000, what: 'both labs gone' });
    expect([...(await provider.labRuntimes()).keys()]).toEqual([]);
  });
});
