import { AppsV1Api, BatchV1Api, CoreV1Api, KubernetesObject, KubernetesObjectApi, PatchStrategy, RbacAuthorizationV1Api, V1Pod } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { LabStatus } from '@labfleet/contracts';
import { ApiClient, eventually, TenantBuilder } from '@labfleet/testing';
import { createKubeConfig } from '../src';
import { asInstallation, SHARED_CLUSTER_ROLES } from './k8s-installation';
import { K8S_DIR, Manifest, renderKustomization } from './kustomize-render';
import { describeOnRealCluster, REAL_KUBECONFIG } from './real-cluster';

/** The API server as pods reach it (LABFLEET_TEST_STUDENT_API_SERVER), where its Service address does not route. */
const POD_API_SERVER = process.env.LABFLEET_TEST_STUDENT_API_SERVER;

/** The workloads that read the datastores' addresses from labfleet-secrets: applied once those addresses are known. */
const LABFLEET_WORKLOADS = new Set(['Job/labfleet-migrate', 'Deployment/labfleet-api', 'Deployment/labfleet-worker']);
const isLabfleetWorkload = (m: Manifest) => LABFLEET_WORKLOADS.has(`${m.kind}/${m.metadata.name}`);

const FIELD_MANAGER = 'labfleet-k8s-deployment-test';
type Named = KubernetesObject & { metadata: { name: string; namespace?: string } };

/**
 * Issue 14, point 1: `k8s/overlays/evaluation` applied to a real cluster, as docs/operations.md
 * "Deploying Labfleet on Kubernetes" says (the Secret first, then the rendering), in a namespace
 * of this run's own: the API server accepts every object, Pod Security `restricted` admits every
 * pod, the migration Job completes, the API and the worker become available, the API answers
 * /health, and a lab of the `kubernetes` template requested through it is made by the worker with
 * its own ServiceAccount (RBAC's escalation check judges the student bindings it makes) and
 * removed; then everything is removed, and nothing may remain. The registry mirror is applied but
 * not waited for: a pull-through cache of Docker Hub, it exits when Docker Hub does not answer at
 * start, and a test cluster's pods reach no registry.
 */
describeOnRealCluster('k8s/overlays/evaluation applied to a real cluster (LABFLEET_TEST_KUBECONFIG)', () => {
  jest.setTimeout(300_000);
  const namespace = `lfk8s-${randomBytes(4).toString('hex')}`;
  const kc = createKubeConfig(REAL_KUBECONFIG);
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const manifests = asInstallation(renderKustomization(join(K8S_DIR, 'overlays/evaluation')), namespace);
  /** What this run applied, by kind and name, in order. */
  const applied = new Map<string, Named>();
  // labfleet-secrets, with the keys docs/operations.md "Deploying Labfleet on Kubernetes" gives it.
  const postgresPassword = randomBytes(24).toString('hex');
  const secretValues: Record<string, string> = {
    LABFLEET_ADMIN_TOKEN: randomBytes(24).toString('hex'),
    LABFLEET_JWT_SECRET: randomBytes(32).toString('hex'),
    POSTGRES_PASSWORD: postgresPassword,
    DATABASE_URL: `postgres://labfleet:${postgresPassword}@labfleet-postgres:5432/labfleet`,
    REDIS_URL: 'redis://labfleet-redis:6379',
  };
  const secretManifest = (): Manifest => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'labfleet-secrets', namespace },
    data: Object.fromEntries(Object.entries(secretValues).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  });
  let apiUrl: string;

  const apply = async (manifest: Manifest, dryRun?: 'All') => {
    await objects.patch(manifest as Named, undefined, dryRun, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    if (!dryRun) applied.set(`${manifest.kind}/${manifest.metadata.name}`, manifest as Named);
  };
  const podsOf = async (component: string): Promise<V1Pod[]> =>
    (await core.listNamespacedPod({ namespace, labelSelector: `app.kubernetes.io/component=${component}` })).items;
  const runningIp = async (component: string): Promise<string> => {
    const ready = (await podsOf(component)).find((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    if (!ready?.status?.podIP) throw new Error(`no ready ${component} pod: ${JSON.stringify((await podsOf(component)).map((p) => p.status))}`);
    return ready.status.podIP;
  };
  /** Why a component's pods do not run: their containers' states, and the warnings about them (a sandbox the runtime refused, say). */
  const podTroubles = async (component: string): Promise<string> => {
    const pods = await podsOf(component);
    const names = new Set(pods.map((p) => p.metadata!.name));
    const states = pods.flatMap((p) => (p.status?.containerStatuses ?? []).map((c) => [p.metadata!.name, c.state?.waiting?.reason, c.state?.waiting?.message ?? c.lastState?.terminated?.reason].filter(Boolean).join(' ')));
    const warnings = (await core.listNamespacedEvent({ namespace, fieldSelector: 'type=Warning' })).items
      .filter((e) => names.has(e.involvedObject.name))
      .map((e) => `${e.involvedObject.name} ${e.reason}: ${e.message}`);
    return [...states, ...new Set(warnings)].join('; ') || 'none';
  };
  /** What this run left on the cluster: its namespaces (labs' included), cluster-wide objects and volumes, and the shared roles if it made them. */
  const leftovers = async (): Promise<string[]> => {
    const [namespaces, roles, bindings, volumes] = await Promise.all([core.listNamespace(), rbac.listClusterRole(), rbac.listClusterRoleBinding(), core.listPersistentVolume()]);
    const madeShared = [...SHARED_CLUSTER_ROLES].filter((name) => applied.has(`ClusterRole/${name}`));
    return [
      ...namespaces.items.filter((n) => n.metadata!.name!.startsWith(namespace)).map((n) => `namespace ${n.metadata!.name}`),
      ...roles.items.filter((r) => r.metadata!.name!.endsWith(namespace) || madeShared.includes(r.metadata!.name!)).map((r) => `clusterrole ${r.metadata!.name}`),
      ...bindings.items.filter((b) => b.metadata!.name!.startsWith(namespace) || b.metadata!.name!.endsWith(namespace)).map((b) => `clusterrolebinding ${b.metadata!.name}`),
      ...volumes.items.filter((v) => v.spec?.claimRef?.namespace === namespace).map((v) => `persistentvolume ${v.metadata!.name}`),
    ];
  };
  const removeAll = async () => {
    for (const m of [...applied.values()].reverse()) await objects.delete(m).catch(() => undefined);
    applied.clear();
  };

  afterAll(async () => {
    // A test that failed half-way still leaves nothing behind.
    if (applied.size) await removeAll();
  });

  it('is accepted object by object by the real API server, the Secret first', async () => {
    await apply(manifests.find((m) => m.kind === 'Namespace')!);
    // The Secret, as docs/operations.md has it created before `kubectl apply -k`.
    await apply(secretManifest());
    const judged: Manifest[] = [];
    for (const m of manifests.filter((m) => m.kind !== 'Namespace' && !isLabfleetWorkload(m))) {
      const shared = m.kind === 'ClusterRole' && SHARED_CLUSTER_ROLES.has(m.metadata.name);
      // Another installation's shared role is not this run's to change or remove: the API server judges it without keeping it.
      if (shared && (await objects.read(m as Named).then(() => true, () => false))) {
        await apply(m, 'All');
        judged.push(m);
      } else await apply(m);
    }

    // For a cluster without DNS (the single-node test cluster built on our machines has no CoreDNS),
    // where the Services' names do not resolve: the Secret gets the datastore pods' addresses once they run.
    const [postgres, redis] = await eventually(async () => [await runningIp('postgres'), await runningIp('redis')], { timeoutMs: 120_000, intervalMs: 500, what: 'the Postgres and Redis pods to be ready' });
    Object.assign(secretValues, { DATABASE_URL: `postgres://labfleet:${postgresPassword}@${postgres}:5432/labfleet`, REDIS_URL: `redis://${redis}:6379` });
    await apply(secretManifest());

    for (const m of manifests.filter(isLabfleetWorkload)) {
      // For a cluster without kube-proxy (that test cluster too), where the `kubernetes` Service's address
      // does not route: the API's and the worker's in-cluster clients go to the API server as pods reach it.
      if (POD_API_SERVER && m.kind === 'Deployment') {
        const { hostname, port } = new URL(POD_API_SERVER);
        const [container] = m.spec.template.spec.containers;
        container.env = [...(container.env ?? []), { name: 'KUBERNETES_SERVICE_HOST', value: hostname }, { name: 'KUBERNETES_SERVICE_PORT', value: port || '443' }];
      }
      await apply(m);
    }
    // Every object of the rendering is on the cluster now, or was judged by a dry run.
    const kept = manifests.filter((m) => !judged.includes(m));
    const stored = await Promise.all(kept.map((m) => objects.read(m as Named).then((o) => `${o.kind}/${o.metadata!.name}`)));
    expect(stored).toEqual(kept.map((m) => `${m.kind}/${m.metadata.name}`));
  });

  it('runs the migration Job to completion and makes the API and the worker available: their pods pass Pod Security restricted and start', async () => {
    await eventually(
      async () => {
        const job = await batch.readNamespacedJob({ name: 'labfleet-migrate', namespace });
        const failed = job.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True');
        if (failed || !job.status?.succeeded) throw new Error(`the Job: ${JSON.stringify(job.status?.conditions ?? [])}; its pods: ${await podTroubles('migrate')}`);
      },
      { timeoutMs: 180_000, intervalMs: 1000, what: 'the migration Job to complete' },
    );
    for (const component of ['api', 'worker']) {
      await eventually(
        async () => {
          const { spec, status } = await apps.readNamespacedDeployment({ name: `labfleet-${component}`, namespace });
          const available = status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') && status.availableReplicas === spec!.replicas;
          // A pod Pod Security refuses never exists: the refusal is in the Deployment's ReplicaFailure condition.
          if (!available) throw new Error(`${status?.availableReplicas ?? 0}/${spec!.replicas} available; ${JSON.stringify(status?.conditions?.map((c) => c.message))}; its pods: ${await podTroubles(component)}`);
        },
        { timeoutMs: 180_000, intervalMs: 1000, what: `labfleet-${component} to be available` },
      );
    }
  });

  it('answers /health from the API pod, by its address: database, Redis and the Kubernetes API server', async () => {
    apiUrl = `http://${await runningIp('api')}:3000`;
    const res = await fetch(`${apiUrl}/health`, { signal: AbortSignal.timeout(10_000) });
    expect([res.status, await res.json()]).toEqual([200, expect.objectContaining({ status: 'ok' })]);
  });

  it('makes a lab with a Kubernetes namespace for its student, requested through that API (the Secret’s admin token), and removes it', async () => {
    const tenants = new TenantBuilder(new ApiClient(apiUrl, secretValues.LABFLEET_ADMIN_TOKEN));
    const school = await tenants.school(namespace);
    const course = await tenants.course(school.id, 'Kubernetes deployment');
    const student = await tenants.person(school.id, 'student', `student@${namespace}.example.test`);
    await tenants.enroll(course.id, student, 'student');

    const made = await student.client.post('/api/v1/labs', { template: 'kubernetes', course: course.id });
    expect(made.status).toBe(202);
    const lab = await student.client.waitForLab(made.body.id, [LabStatus.Ready], 180_000);
    const [labNamespace, studentNamespace] = [`${namespace}-${lab.id}`, `${namespace}-k8s-${lab.id}`];
    expect((await core.listNamespacedPod({ namespace: labNamespace })).items.map((p) => p.status?.phase)).toEqual(['Running']);
    // Bindings the worker may make only because it holds `bind` on exactly these roles.
    expect((await rbac.readNamespacedRoleBinding({ name: 'student', namespace: studentNamespace })).roleRef.name).toBe('labfleet-student');
    expect((await rbac.readClusterRoleBinding({ name: studentNamespace })).roleRef.name).toBe('labfleet-student-nodes');
    expect(await student.client.sh(lab.id, 'docker info --format "{{.ServerVersion}}"')).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^\d+\.\d+/) });

    expect((await student.client.delete(`/api/v1/labs/${lab.id}`)).status).toBe(202);
    await student.client.waitForLab(lab.id, [LabStatus.Stopped], 180_000);
    await eventually(async () => expect((await leftovers()).filter((o) => o.includes(lab.id))).toEqual([]), { timeoutMs: 120_000, intervalMs: 500, what: 'the lab’s namespaces and binding to go' });
  });

  it('removes everything it made, and nothing of it remains on the cluster', async () => {
    await removeAll();
    await eventually(async () => expect(await leftovers()).toEqual([]), { timeoutMs: 240_000, intervalMs: 1000, what: 'everything this run made to be gone' });
  });
});
