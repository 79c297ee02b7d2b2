import { CoreV1Api } from '@kubernetes/client-node';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@labfleet/config';
import { LabStatus } from '@labfleet/contracts';
import { createKubeConfig, KubernetesProvider } from '@labfleet/provider-kubernetes';
import { eventually, LabfleetStack, Person, TenantBuilder } from '@labfleet/testing';

/** A real cluster to run against, when one is given (see libs/providers/kubernetes/test/real-cluster.ts). */
const KUBECONFIG = process.env.LABFLEET_TEST_KUBECONFIG;
const describeOnRealCluster = KUBECONFIG ? describe : describe.skip;

/** What labs can have of the cluster, as the worker reads it (allocatable less other pods' requests). */
async function clusterCapacity(): Promise<number> {
  const env = { DATABASE_URL: 'postgres://unused/x', REDIS_URL: 'redis://unused:6379', LABFLEET_ADMIN_TOKEN: 'unused-admin-token-x', LABFLEET_JWT_SECRET: 'unused-jwt-secret-of-32-characters-x' };
  const provider = new KubernetesProvider(createKubeConfig(KUBECONFIG), loadConfig({ ...env, LAB_PROVIDER: 'kubernetes', KUBECONFIG }));
  return (await provider.capacity()).cpus;
}

/**
 * Labfleet as a school runs it on Kubernetes, API and worker outside the cluster: labs requested
 * over REST become namespaces and confined pods on the real cluster, answer commands and carry
 * files; a template reserving more than half of the cluster lets one lab in at a time, the next
 * waits in line (admission counts what the pods request) and is made when the first ends; nothing
 * is left behind.
 */
/** A Labfleet stack on the cluster, with a template reserving 60% of it, and two students of one course. */
async function startStack(tag: string, overrides: Record<string, string> = {}): Promise<{ stack: LabfleetStack; students: Person[]; courseId: string }> {
  const reserve = Math.round((await clusterCapacity()) * 0.6 * 100) / 100;
  const templates = join(mkdtempSync(join(tmpdir(), 'labfleet-kube-templates-')), 'templates.json');
  const template = { name: 'half-cluster', description: 'Reserves 60% of the cluster', cpus: Math.max(1, reserve), memoryMb: 1024, pidsLimit: 1024, diskMb: 2048, ttlSeconds: 600, reservedCpus: reserve, reservedMemoryMb: 256 };
  writeFileSync(templates, JSON.stringify({ templates: [template] }));
  const stack = await LabfleetStack.start({ LAB_PROVIDER: 'kubernetes', KUBECONFIG: KUBECONFIG!, KUBE_NAMESPACE_PREFIX: 'e2e', TEMPLATES_FILE: templates, ADMISSION_QUEUE_MAX: '5', LAB_READY_TIMEOUT_SECONDS: '120', ...overrides });
  const t = new TenantBuilder(stack.client);
  const schoolId = (await t.school(`k-${tag}`)).id;
  const courseId = (await t.course(schoolId, 'Kubernetes', { labsPerStudent: 1 })).id;
  const students: Person[] = [];
  for (let i = 0; i < 2; i++) {
    const s = await t.person(schoolId, 'student', `kube${i}-${tag}@example.test`);
    await t.enroll(courseId, s, 'student');
    students.push(s);
  }
  return { stack, students, courseId };
}

const namespacesOf = async (labId: string) =>
  (await createKubeConfig(KUBECONFIG).makeApiClient(CoreV1Api).listNamespace({ labelSelector: `labfleet.io/lab-id=${labId}` })).items.map((n) => n.metadata!.name);

describeOnRealCluster('Labfleet on a real Kubernetes cluster (LABFLEET_TEST_KUBECONFIG): the API and a worker outside it', () => {
  jest.setTimeout(240_000);
  let stack: LabfleetStack;
  let students: Person[];
  let courseId: string;
  const request = (p: Person) => p.client.post('/api/v1/labs', { course: courseId, template: 'half-cluster' });

  beforeAll(async () => {
    ({ stack, students, courseId } = await startStack(randomBytes(3).toString('hex')));
  }, 240_000);
  afterAll(() => stack?.stop());

  it('makes a student’s lab on the cluster: commands run in it as the lab’s root, files go in and out whole', async () => {
    const [student] = students;
    const made = await request(student);
    expect(made.status).toBe(202);
    const lab = await student.client.waitForLab(made.body.id, [LabStatus.Ready], 120_000);
    expect(await namespacesOf(lab.id)).toEqual([`e2e-${lab.id}`]);
    expect(await student.client.sh(lab.id, 'docker info --format "{{.ServerVersion}} {{.SecurityOptions}}"; id -u')).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^\d+\.\d+.*\n0\n$/) });

    const content = randomBytes(100 * 1024);
    const headers = { authorization: `Bearer ${student.session.accessToken}` };
    const base = `${stack.client.baseUrl}/api/v1/labs/${lab.id}/files?path=/root/data.bin`;
    expect((await fetch(base, { method: 'PUT', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: content })).status).toBe(200);
    const back = Buffer.from(await (await fetch(base, { headers })).arrayBuffer());
    expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(content).digest('hex'));

    expect((await student.client.delete(`/api/v1/labs/${lab.id}`)).status).toBe(202);
    await student.client.waitForLab(lab.id, [LabStatus.Stopped], 120_000);
    expect(await namespacesOf(lab.id)).toEqual([]);
  });

  it('lets one lab in while another holds the room, keeps the next waiting in line, and makes it when the first ends; ended labs leave no namespace', async () => {
    const [first, second] = students;
    const holding = await first.client.waitForLab((await request(first)).body.id, [LabStatus.Ready], 120_000);
    const waiting = await request(second);
    expect(waiting.status).toBe(202);
    expect(waiting.body).toMatchObject({ status: LabStatus.Pending, queuePosition: 1 });
    // Nothing of it is on the cluster while it waits in line.
    expect(await namespacesOf(waiting.body.id)).toEqual([]);

    expect((await first.client.delete(`/api/v1/labs/${holding.id}`)).status).toBe(202);
    const ready = await second.client.waitForLab(waiting.body.id, [LabStatus.Ready], 120_000);
    expect(ready.queuePosition).toBeNull();
    await first.client.waitForLab(holding.id, [LabStatus.Stopped], 120_000);
    expect(await namespacesOf(holding.id)).toEqual([]);

    expect((await second.client.delete(`/api/v1/labs/${ready.id}`)).status).toBe(202);
    await second.client.waitForLab(ready.id, [LabStatus.Stopped], 120_000);
    expect(await namespacesOf(ready.id)).toEqual([]);
  });
});

describeOnRealCluster('Labfleet on a real Kubernetes cluster (LABFLEET_TEST_KUBECONFIG): a lab admission lets in but the cluster cannot place', () => {
  jest.setTimeout(240_000);
  let stack: LabfleetStack;
  let students: Person[];
  let courseId: string;

  // Admission believes in far more room than there is (a stale or wrong CAPACITY_CPUS): the scheduler has the last word.
  beforeAll(async () => {
    ({ stack, students, courseId } = await startStack(randomBytes(3).toString('hex'), { CAPACITY_CPUS: '1000' }));
  }, 240_000);
  afterAll(() => stack?.stop());

  it('waits in pending with the scheduler’s reason, does not fail, and is made once room frees up', async () => {
    const [first, second] = students;
    const holding = await first.client.waitForLab((await first.client.post('/api/v1/labs', { course: courseId, template: 'half-cluster' })).body.id, [LabStatus.Ready], 120_000);
    const made = await second.client.post('/api/v1/labs', { course: courseId, template: 'half-cluster' });
    expect(made.body).toMatchObject({ status: LabStatus.Pending, queuePosition: null });
    await eventually(
      async () => expect((await second.client.get(`/api/v1/labs/${made.body.id}`)).body).toMatchObject({ status: LabStatus.Pending, waitReason: expect.stringMatching(/^node1: 0\/\d+ nodes are available: \d+ Insufficient cpu/) }),
      { timeoutMs: 20_000, intervalMs: 200, what: 'the lab to wait with the scheduler’s reason' },
    );

    expect((await first.client.delete(`/api/v1/labs/${holding.id}`)).status).toBe(202);
    const ready = await second.client.waitForLab(made.body.id, [LabStatus.Ready], 120_000);
    expect(ready.waitReason).toBeNull();
    expect((await second.client.delete(`/api/v1/labs/${ready.id}`)).status).toBe(202);
    await second.client.waitForLab(ready.id, [LabStatus.Stopped], 120_000);
    expect(await namespacesOf(ready.id)).toEqual([]);
  });
});
