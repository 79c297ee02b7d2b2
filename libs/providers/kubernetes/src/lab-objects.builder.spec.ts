import { LabSpec } from '@labfleet/domain';
import { KubeOpenApiValidator } from '../test/kube-openapi-validator';
import { wireForm } from '../test/wire-form';
import { buildLabObjects } from './lab-objects.builder';
import { keptUnmaskedProc } from './lab-pod-security.builder';
import { KubeLabContext } from './lab-resource-names';
import { TEST_LAB_CONTEXT } from './lab-context.fixture';

const labId = '6f1c7c1e-0000-4000-8000-000000000001';
const owner = { schoolId: '5c0f0000-0000-4000-8000-00000000000a', courseId: 'c0c0c0c0-0000-4000-8000-00000000000b', userId: '0e0e0e0e-0000-4000-8000-00000000000c' };
const spec: LabSpec = {
  labId,
  templateName: 'Docker & Compose',
  image: 'labfleet/lab:latest',
  nodes: [
    { name: 'node1', hostname: 'node1' },
    { name: 'node2', hostname: 'node2' },
  ],
  limits: { cpus: 1.5, memoryMb: 2048, pidsLimit: 1024, diskMb: 10240 },
  reservation: { cpus: 0.05, memoryMb: 128 },
  images: ['nginx:latest'],
  owner,
};
const ctx: KubeLabContext = { ...TEST_LAB_CONTEXT, registryMirrorUrl: 'http://labfleet-registry.labfleet.svc:5000' };
const privileged: KubeLabContext = { ...ctx, securityProfile: 'privileged' };
const sysbox: KubeLabContext = { ...ctx, securityProfile: 'runtime', runtimeClass: 'sysbox-runc' };
const LAB_ENTER = '/usr/local/sbin/lab-enter';
const APPARMOR = 'container.apparmor.security.beta.kubernetes.io/dind';
const validator = new KubeOpenApiValidator();

const all = (o: ReturnType<typeof buildLabObjects>) => [o.namespace, o.quota, o.limitRange, o.service, o.networkPolicy, ...o.pods].filter((x) => x !== null);

describe('buildLabObjects', () => {
  const objects = buildLabObjects(spec, ctx);
  const [pod1, pod2] = objects.pods;

  it.each([
    ['a namespace per lab, confined', ctx, spec],
    ['confined with a Localhost seccomp profile', { ...ctx, seccompProfile: 'labfleet/labfleet-lab.json' }, spec],
    ['a course namespace', { ...ctx, namespaceMode: 'course' as const }, spec],
    ['privileged', privileged, spec],
    ['a Sysbox runtime class and no mirror', { ...sysbox, registryMirrorUrl: null }, spec],
    ['no owner and no disk size', ctx, { ...spec, owner: undefined, limits: { ...spec.limits, diskMb: null } }],
  ])('makes only objects the Kubernetes 1.25 OpenAPI schema accepts: %s', (_what, c, s) => {
    for (const object of all(buildLabObjects(s, c))) expect(validator.validate(wireForm(object))).toEqual([]);
  });

  it('is checked by a validator strict enough to catch mistakes (unknown fields, unserialized names, bad names and labels)', () => {
    expect(validator.validate(objects.limitRange)).toEqual([expect.stringContaining('additional properties: _default')]);
    const long = { ...objects.namespace, metadata: { name: `x${'a'.repeat(63)}`, labels: { 'labfleet.io/template': 'Docker & Compose' } } };
    expect(validator.validate(long)).toEqual([expect.stringMatching(/not a valid name/), expect.stringMatching(/invalid value/)]);
    expect(validator.validate({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', resources: { limits: { cpu: 'lots' } } }] } })).not.toEqual([]);
  });

  it('labels the lab namespace with school, course, lab and student', () => {
    expect(objects.namespace.metadata).toMatchObject({
      name: `labfleet-${labId}`,
      labels: {
        'labfleet.io/managed': 'true',
        'labfleet.io/instance': 'test',
        'labfleet.io/lab-id': labId,
        'labfleet.io/school-id': owner.schoolId,
        'labfleet.io/course-id': owner.courseId,
        'labfleet.io/student-id': owner.userId,
        'pod-security.kubernetes.io/enforce': 'privileged',
      },
      annotations: { 'labfleet.io/template': 'Docker & Compose' },
    });
  });

  it('in course mode shares the course namespace, labelled with school and course only, and sets no namespace-wide quota', () => {
    const course = buildLabObjects(spec, { ...ctx, namespaceMode: 'course' });
    expect(course.namespace.metadata?.name).toBe(`labfleet-course-${owner.courseId}`);
    expect(course.namespace.metadata?.labels).not.toHaveProperty('labfleet.io/lab-id');
    expect(course.namespace.metadata?.labels).not.toHaveProperty('labfleet.io/student-id');
    expect(course.quota).toBeNull();
    expect(course.limitRange).toBeNull();
    expect(course.pods[0].metadata?.namespace).toBe(course.namespace.metadata?.name);
    expect(course.namespace.metadata!.name!.length).toBeLessThanOrEqual(63);
    expect(buildLabObjects({ ...spec, owner: undefined }, { ...ctx, namespaceMode: 'course' }).namespace.metadata?.name).toBe(`labfleet-${labId}`);
  });

  it('gives each node a stable hostname on a headless Service, resolvable as a bare name', () => {
    expect(objects.service.spec).toEqual({
      clusterIP: 'None',
      selector: { 'labfleet.io/instance': 'test', 'labfleet.io/lab-id': labId },
      publishNotReadyAddresses: true,
    });
    expect(pod2.spec).toMatchObject({ hostname: 'node2', subdomain: `lab-${labId}` });
    expect(pod2.spec?.dnsConfig?.searches).toEqual([`lab-${labId}.labfleet-${labId}.svc.cluster.local`]);
    expect(pod1.metadata?.labels).toMatchObject(objects.service.spec!.selector!);
  });

  it('asks names with a dot as they are first (ndots 1), within the search list Kubernetes 1.25 allows', () => {
    // With the default ndots 5, `docker.io` went through every search domain first: 10 × 5 s of timeouts per pull.
    expect(pod2.spec?.dnsConfig?.options).toEqual([{ name: 'ndots', value: '1' }]);
    // ClusterFirst puts the namespace's three domains before ours; 1.25 refuses more than 256 characters in all.
    const ns = objects.namespace.metadata!.name!;
    const searches = [`${ns}.svc.cluster.local`, 'svc.cluster.local', 'cluster.local', ...pod2.spec!.dnsConfig!.searches!];
    expect(searches.join(' ').length).toBeLessThanOrEqual(256 - 40);
  });

  it('requests what admission counts (the reservation, split over the nodes), limits at the template’s size, and caps the lab with a quota', () => {
    const resources = { cpu: '1500m', memory: '2048Mi', 'ephemeral-storage': `${2048 + 10240}Mi` };
    const requests = { cpu: '25m', memory: '64Mi', 'ephemeral-storage': '0' };
    expect(pod1.spec?.containers[0].resources).toEqual({ requests, limits: resources });
    expect(objects.quota?.spec?.hard).toMatchObject({ 'requests.cpu': '50m', 'requests.memory': '128Mi' });
    expect(objects.limitRange?.spec?.limits[0]).toMatchObject({ _default: resources, defaultRequest: requests });
    // Never less than admission counted: 0.05 CPU over three nodes is 17m each.
    const three = buildLabObjects({ ...spec, nodes: [...spec.nodes, { name: 'node3', hostname: 'node3' }] }, ctx);
    expect(three.pods[0].spec?.containers[0].resources?.requests).toMatchObject({ cpu: '17m', memory: '43Mi' });
    expect(three.quota?.spec?.hard).toMatchObject({ 'requests.cpu': '51m', 'requests.memory': '129Mi' });
    expect(pod1.spec?.volumes).toEqual([{ name: 'disk', emptyDir: { sizeLimit: '10240Mi' } }]);
    expect(pod1.spec?.containers[0].volumeMounts).toEqual([{ name: 'disk', mountPath: '/lab-disk' }]);
    expect(buildLabObjects({ ...spec, limits: { ...spec.limits, diskMb: null } }, ctx).pods[0].spec?.volumes).toEqual([{ name: 'disk', emptyDir: { sizeLimit: '10240Mi' } }]);
    expect(objects.quota?.spec?.hard).toMatchObject({ pods: '2', 'limits.cpu': '3000m', 'limits.memory': '4096Mi', 'limits.ephemeral-storage': `${2 * 12288}Mi`, 'services.nodeports': '0' });
    expect(objects.limitRange?.spec?.limits[0]).toMatchObject({ type: 'Container', max: resources });
  });

  it('runs the lab image confined by default: unprivileged root with seven capabilities, /proc unmasked, seccomp and AppArmor unconfined', () => {
    const container = pod1.spec!.containers[0];
    expect(container.image).toBe('labfleet/lab:latest');
    expect(container.securityContext).toEqual({
      privileged: false,
      capabilities: { drop: ['ALL'], add: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETUID', 'SETGID', 'NET_ADMIN', 'KILL'] },
      procMount: 'Unmasked',
      seccompProfile: { type: 'Unconfined' },
    });
    expect(pod1.spec?.securityContext).toBeUndefined();
    expect(pod1.metadata?.annotations).toMatchObject({ [APPARMOR]: 'unconfined' });
    expect(pod1.metadata?.annotations).not.toHaveProperty('io.kubernetes.cri-o.userns-mode');
    expect(pod1.spec?.runtimeClassName).toBeUndefined();
  });

  it('gives confined pods the Localhost seccomp profile the operator installed on the nodes, when one is set', () => {
    const pod = buildLabObjects(spec, { ...ctx, seccompProfile: 'labfleet/labfleet-lab.json' }).pods[0];
    expect(pod.spec?.containers[0].securityContext?.seccompProfile).toEqual({ type: 'Localhost', localhostProfile: 'labfleet/labfleet-lab.json' });
    expect(buildLabObjects(spec, { ...privileged, seccompProfile: 'labfleet/labfleet-lab.json' }).pods[0].spec?.containers[0].securityContext).toEqual({ privileged: true });
  });

  it('runs every node without a service account token, ready when docker info answers inside the lab (through lab-enter)', () => {
    const container = pod1.spec!.containers[0];
    expect(container.readinessProbe?.exec?.command).toEqual([LAB_ENTER, 'docker', 'info']);
    expect(container.env).toEqual([{ name: 'LABFLEET_REGISTRY_MIRROR', value: 'http://labfleet-registry.labfleet.svc:5000' }]);
    expect(pod1.spec).toMatchObject({ automountServiceAccountToken: false, enableServiceLinks: false, restartPolicy: 'Never' });
    expect(pod1.metadata?.annotations?.['labfleet.io/nodes']).toBe('node1,node2');
  });

  it.each([
    ['confined', ctx, '/lab-disk', 'privileged', true],
    ['privileged', privileged, '/var/lib/docker', 'privileged', false],
    ['runtime', sysbox, '/var/lib/docker', 'baseline', false],
  ])('%s: disk at %s, namespace Pod Security %s, AppArmor unconfined only when confined, readiness through lab-enter', (_profile, c, mountPath, level, apparmor) => {
    const o = buildLabObjects(spec, c);
    for (const pod of o.pods) {
      expect(pod.spec?.containers[0].volumeMounts).toEqual([{ name: 'disk', mountPath }]);
      expect(pod.spec?.containers[0].readinessProbe?.exec?.command).toEqual([LAB_ENTER, 'docker', 'info']);
      expect(APPARMOR in (pod.metadata?.annotations ?? {})).toBe(apparmor);
    }
    expect(o.namespace.metadata?.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': level, 'pod-security.kubernetes.io/warn': level });
    const course = buildLabObjects(spec, { ...c, namespaceMode: 'course' });
    expect(course.namespace.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe(level);
  });

  it('privileged: a privileged pod and nothing else', () => {
    const pod = buildLabObjects(spec, privileged).pods[0];
    expect(pod.spec?.containers[0].securityContext).toEqual({ privileged: true });
    expect(pod.spec?.runtimeClassName).toBeUndefined();
    expect(pod.metadata?.annotations).toEqual({ 'labfleet.io/template': 'Docker & Compose', 'labfleet.io/nodes': 'node1,node2' });
  });

  it('runtime: the runtime class instead of any privilege, with Sysbox’s user namespace on CRI-O', () => {
    const pod = buildLabObjects(spec, sysbox).pods[0];
    expect(pod.spec?.runtimeClassName).toBe('sysbox-runc');
    expect(pod.spec?.containers[0].securityContext).toBeUndefined();
    expect(pod.metadata?.annotations).toMatchObject({ 'io.kubernetes.cri-o.userns-mode': 'auto:size=65536' });
  });

  it('lets the lab talk to itself, DNS and the platform mirror only, and in only from itself and the API (port proxy): no ipBlock, so no metadata address, no internet', () => {
    const policy = wireForm(objects.networkPolicy) as { spec: Record<string, any> };
    const thisLab = { podSelector: { matchLabels: { 'labfleet.io/instance': 'test', 'labfleet.io/lab-id': labId } } };
    expect(policy.spec.podSelector).toEqual(thisLab.podSelector);
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress).toEqual([
      { from: [thisLab] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'labfleet' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'labfleet', 'app.kubernetes.io/component': 'api' } } }] },
    ]);
    expect(policy.spec.egress).toEqual([
      { to: [thisLab] },
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      },
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'labfleet' } }, podSelector: { matchLabels: { 'labfleet.io/lab-access': 'true' } } }] },
    ]);
    expect(JSON.stringify(policy)).not.toContain('ipBlock');
  });
});

describe('keptUnmaskedProc', () => {
  const [confined] = buildLabObjects(spec, ctx).pods;
  const withProcMount = (procMount: string) => ({
    ...confined,
    spec: { ...confined.spec!, containers: [{ ...confined.spec!.containers[0], securityContext: { ...confined.spec!.containers[0].securityContext, procMount } }] },
  });

  it('notices an API server that turned the unmasked /proc into the default (the ProcMountType feature gate off)', () => {
    expect(keptUnmaskedProc(confined, confined)).toBe(true);
    expect(keptUnmaskedProc(confined, withProcMount('Default'))).toBe(false);
  });

  it('has nothing to check in a pod that asked for no unmasked /proc', () => {
    const [pod] = buildLabObjects(spec, privileged).pods;
    expect(keptUnmaskedProc(pod, pod)).toBe(true);
  });
});
