import { KubeConfig } from '@kubernetes/client-node';
import { LabSpec } from '@labfleet/domain';
import { KubeOpenApiValidator } from '../test/kube-openapi-validator';
import { wireForm } from '../test/wire-form';
import { buildLabNetworkPolicy } from './lab-network-policy.builder';
import { KubeLabContext } from './lab-resource-names';
import { buildStudentKubeconfig } from './student-kubeconfig.builder';
import { buildStudentNamespace } from './student-namespace.builder';
import { inStudentNamespace, studentNamespaceName } from './student-resource-names';
import { TEST_LAB_CONTEXT } from './lab-context.fixture';

const labId = '6f1c7c1e-0000-4000-8000-000000000001';
const spec: LabSpec = {
  labId,
  templateName: 'kubernetes',
  image: 'labfleet/lab:latest',
  nodes: [{ name: 'node1', hostname: 'node1' }],
  limits: { cpus: 1, memoryMb: 1536, pidsLimit: 2048, diskMb: 10240 },
  reservation: { cpus: 0.25, memoryMb: 512 },
  images: [],
  owner: { schoolId: '5c0f0000-0000-4000-8000-00000000000a', courseId: 'c0c0c0c0-0000-4000-8000-00000000000b', userId: '0e0e0e0e-0000-4000-8000-00000000000c' },
  studentKubernetes: { pods: 20, cpus: 2, memoryMb: 2048 },
};
const ctx: KubeLabContext = TEST_LAB_CONTEXT;
const NS = `labfleet-k8s-${labId}`;
const objects = buildStudentNamespace(spec, spec.studentKubernetes!, `labfleet-${labId}`, ctx);

describe('buildStudentNamespace', () => {
  it('makes only objects the Kubernetes 1.25 OpenAPI schema accepts', () => {
    const validator = new KubeOpenApiValidator();
    for (const object of Object.values(objects)) expect([object.kind, validator.validate(wireForm(object))]).toEqual([object.kind, []]);
  });

  it('names the namespace for the lab within 63 characters with the longest prefix, and labels everything as the lab with the role student', () => {
    expect(studentNamespaceName(labId, { namespacePrefix: 'a'.repeat(19) })).toHaveLength(60);
    expect(objects.namespace.metadata).toEqual({
      name: NS,
      labels: {
        'labfleet.io/managed': 'true',
        'labfleet.io/instance': 'test',
        'labfleet.io/role': 'student',
        'labfleet.io/lab-id': labId,
        'labfleet.io/school-id': spec.owner!.schoolId,
        'labfleet.io/course-id': spec.owner!.courseId,
        'labfleet.io/student-id': spec.owner!.userId,
        'pod-security.kubernetes.io/enforce': 'baseline',
        'pod-security.kubernetes.io/warn': 'baseline',
      },
    });
    for (const o of Object.values(objects)) expect(o.metadata!.labels!['labfleet.io/lab-id']).toBe(labId);
    expect(inStudentNamespace(NS, ctx)).toBe(true);
    expect([`labfleet-${labId}`, `labfleet-course-${labId}`, undefined].map((ns) => inStudentNamespace(ns, ctx))).toEqual([false, false, false]);
  });

  it("binds the student's account to the shipped ClusterRoles: the namespaced one inside the namespace, reading nodes cluster-wide", () => {
    const subjects = [{ kind: 'ServiceAccount', name: 'student', namespace: NS }];
    expect(objects.serviceAccount.metadata).toMatchObject({ name: 'student', namespace: NS });
    expect(objects.roleBinding).toMatchObject({ metadata: { name: 'student', namespace: NS }, roleRef: { kind: 'ClusterRole', name: 'labfleet-student' }, subjects });
    expect(objects.nodesBinding).toMatchObject({ metadata: { name: NS }, roleRef: { kind: 'ClusterRole', name: 'labfleet-student-nodes' }, subjects });
    expect(objects.nodesBinding.metadata!.namespace).toBeUndefined();
  });

  it("bounds the namespace by the template's quota, nothing reachable from outside, and gives containers that name no resources a share that fits", () => {
    expect(objects.quota.spec!.hard).toEqual({
      pods: '20',
      'requests.cpu': '2000m',
      'limits.cpu': '2000m',
      'requests.memory': '2048Mi',
      'limits.memory': '2048Mi',
      services: '10',
      'services.nodeports': '0',
      'services.loadbalancers': '0',
      persistentvolumeclaims: '0',
    });
    expect(objects.limitRange.spec!.limits).toEqual([{ type: 'Container', _default: { cpu: '100m', memory: '102Mi' }, defaultRequest: { cpu: '25m', memory: '25Mi' } }]);
    const tiny = buildStudentNamespace(spec, { pods: 500, cpus: 0.5, memoryMb: 1024 }, 'x', ctx).limitRange.spec!.limits[0];
    expect([tiny._default, tiny.defaultRequest]).toEqual([
      { cpu: '10m', memory: '16Mi' },
      { cpu: '10m', memory: '16Mi' },
    ]);
  });

  it("isolates the namespace: in from itself and the lab's pods, out to itself and the cluster DNS", () => {
    expect(objects.networkPolicy.spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          _from: [
            { podSelector: {} },
            { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': `labfleet-${labId}` } }, podSelector: { matchLabels: { 'labfleet.io/instance': 'test', 'labfleet.io/lab-id': labId } } },
          ],
        },
      ],
      egress: [
        { to: [{ podSelector: {} }] },
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
      ],
    });
  });

  it("lets the lab's own pods reach the namespace and the API server, only for a lab that has one", () => {
    const plain = buildLabNetworkPolicy(spec, `labfleet-${labId}`, ctx).spec!.egress!;
    const student = buildLabNetworkPolicy(spec, `labfleet-${labId}`, ctx, { namespace: NS, apiServer: [{ ip: '10.244.0.1', port: 6443 }, { ip: 'fd00::1', port: 443 }] }).spec!.egress!;
    expect(student.slice(0, plain.length)).toEqual(plain);
    expect(student.slice(plain.length)).toEqual([
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NS } } }] },
      { to: [{ ipBlock: { cidr: '10.244.0.1/32' } }], ports: [{ protocol: 'TCP', port: 6443 }] },
      { to: [{ ipBlock: { cidr: 'fd00::1/128' } }], ports: [{ protocol: 'TCP', port: 443 }] },
    ]);
  });
});

describe('buildStudentKubeconfig', () => {
  it('is a kubeconfig a Kubernetes client reads: one cluster with its CA, the token, the namespace as the default', () => {
    const caPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const kc = new KubeConfig();
    kc.loadFromString(buildStudentKubeconfig({ server: 'https://10.244.0.1:6443', caPem, token: 'eyJ.a"b:c', namespace: NS }));
    expect(kc.getCurrentContext()).toBe('student');
    expect(kc.getContextObject('student')).toMatchObject({ cluster: 'labfleet', user: 'student', namespace: NS });
    expect(kc.getCurrentCluster()).toMatchObject({ server: 'https://10.244.0.1:6443', caData: Buffer.from(caPem).toString('base64') });
    expect(kc.getCurrentUser()?.token).toBe('eyJ.a"b:c');
  });
});
