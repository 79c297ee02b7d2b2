import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@labfleet/config';
import { buildLabSeccompProfile } from '@labfleet/domain';
import { KubeOpenApiValidator } from './kube-openapi-validator';
import { K8S_DIR, Manifest, renderKustomization } from './kustomize-render';

const validator = new KubeOpenApiValidator();
const base = renderKustomization(join(K8S_DIR, 'base'));
const evaluation = renderKustomization(join(K8S_DIR, 'overlays/evaluation'));
const find = (docs: Manifest[], kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name)!;
const podSpecOf = (d: Manifest) => (d.kind === 'Job' || d.kind === 'Deployment' || d.kind === 'StatefulSet' ? d.spec.template.spec : undefined);
const workloads = evaluation.filter((d) => podSpecOf(d));

interface Rule {
  readonly resources: string[];
  readonly verbs: string[];
  readonly resourceNames?: string[];
}

describe('k8s/ manifests (rendered without a cluster)', () => {
  it.each([
    ['base', base],
    ['overlays/evaluation', evaluation],
  ])('%s: every object is valid against the Kubernetes 1.25 OpenAPI schema', (_name, docs) => {
    expect(docs.length).toBeGreaterThan(5);
    expect(docs.flatMap((d) => validator.validate(d))).toEqual([]);
  });

  it('every kustomize component is used by an overlay', () => {
    const used = readdirSync(join(K8S_DIR, 'overlays')).flatMap((o) => readFileSync(join(K8S_DIR, 'overlays', o, 'kustomization.yaml'), 'utf8').match(/components\/[\w-]+/g) ?? []);
    // lab-seccomp goes on the nodes, not to the API server: it has no kustomization.
    const components = readdirSync(join(K8S_DIR, 'components')).filter((c) => existsSync(join(K8S_DIR, 'components', c, 'kustomization.yaml')));
    expect(components).not.toContain('lab-seccomp');
    expect(new Set(used)).toEqual(new Set(components.map((c) => `components/${c}`)));
  });

  it('ships the lab seccomp profile for the nodes: allows what a confined lab needs, refuses what only host root could use', () => {
    const text = readFileSync(join(K8S_DIR, 'components/lab-seccomp/labfleet-lab.json'), 'utf8');
    const profile = JSON.parse(text) as { defaultAction: string; architectures: string[]; syscalls: { names: string[]; action: string; errnoRet: number }[] };
    // The very profile the Docker provider gives confined labs, printed: regenerate the file when it changes.
    expect(text).toBe(`${JSON.stringify(buildLabSeccompProfile(), null, 2)}\n`);
    expect(profile.defaultAction).toBe('SCMP_ACT_ALLOW');
    expect(profile.architectures).toEqual(expect.arrayContaining(['SCMP_ARCH_X86_64', 'SCMP_ARCH_AARCH64']));
    const refused = new Map(profile.syscalls.flatMap((rule) => rule.names.map((name) => [name, `${rule.action} ${rule.errnoRet}`])));
    for (const needed of ['unshare', 'setns', 'mount', 'umount2', 'pivot_root', 'clone', 'clone3', 'sethostname']) expect([needed, refused.get(needed)]).toEqual([needed, undefined]);
    for (const hostOnly of ['init_module', 'finit_module', 'kexec_load', 'reboot', 'open_by_handle_at', 'bpf']) expect([hostOnly, refused.get(hostOnly)]).toEqual([hostOnly, 'SCMP_ACT_ERRNO 1']);
    expect(refused.get('keyctl')).toBe('SCMP_ACT_ERRNO 38');
    expect(readFileSync(join(K8S_DIR, 'components/lab-seccomp/README.md'), 'utf8')).toContain('/var/lib/kubelet/seccomp/labfleet/labfleet-lab.json');
  });

  it('runs the API and the worker with resources and graceful shutdown, the API probed on /health', () => {
    const api = podSpecOf(find(base, 'Deployment', 'labfleet-api'));
    expect(api.containers[0].readinessProbe.httpGet).toMatchObject({ path: '/health' });
    expect(api.containers[0].startupProbe.httpGet).toMatchObject({ path: '/health' });
    expect(api.containers[0].lifecycle.preStop).toBeDefined();
    expect(api.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
    expect(podSpecOf(find(base, 'Deployment', 'labfleet-worker')).terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
    for (const doc of workloads) {
      for (const c of podSpecOf(doc).containers) expect([doc.metadata.name, c.resources.requests && c.resources.limits ? 'resources' : 'none']).toEqual([doc.metadata.name, 'resources']);
    }
    expect(find(base, 'Service', 'labfleet-api').spec.selector).toEqual(find(base, 'Deployment', 'labfleet-api').spec.selector.matchLabels);
    expect(find(base, 'Ingress', 'labfleet-api').spec.rules[0].http.paths[0].backend.service.name).toBe('labfleet-api');
  });

  it('runs migrations as a Job, and every Labfleet pod from the same image and config', () => {
    const job = podSpecOf(find(base, 'Job', 'labfleet-migrate'));
    expect(job.containers[0].args).toEqual(['dist/apps/worker/src/migrate.js']);
    for (const name of ['labfleet-migrate', 'labfleet-api', 'labfleet-worker']) {
      const spec = podSpecOf(base.find((d) => d.metadata.name === name && podSpecOf(d))!);
      expect(spec.containers[0].envFrom).toEqual(expect.arrayContaining([{ configMapRef: { name: 'labfleet-config' } }, { secretRef: { name: 'labfleet-secrets' } }]));
    }
  });

  it('meets the restricted Pod Security level its namespace enforces; only the API and worker get a token', () => {
    expect(find(base, 'Namespace', 'labfleet').metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    for (const doc of workloads) {
      const spec = podSpecOf(doc);
      expect([doc.metadata.name, spec.securityContext]).toEqual([doc.metadata.name, expect.objectContaining({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } })]);
      for (const c of spec.containers) expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      const hasToken = spec.automountServiceAccountToken !== false;
      expect([doc.metadata.name, hasToken]).toEqual([doc.metadata.name, ['labfleet-api', 'labfleet-worker'].includes(doc.metadata.name)]);
    }
  });

  it('spells RBAC out: no wildcard, no cluster-admin, `bind` only on the student roles, each ClusterRole bound to its own ServiceAccount', () => {
    const rbac = evaluation.filter((d) => d.apiVersion.startsWith('rbac.authorization.k8s.io'));
    expect(JSON.stringify(rbac)).not.toMatch(/"\*"|cluster-admin|escalate|impersonate/);
    const binds = rbac.flatMap((d) => ((d.rules ?? []) as Rule[]).filter((r) => r.verbs.includes('bind')).map((r) => [d.metadata.name, r.resources, r.resourceNames]));
    expect(binds).toEqual([['labfleet-worker', ['clusterroles'], ['labfleet-student', 'labfleet-student-nodes']]]);
    for (const binding of rbac.filter((d) => d.kind === 'ClusterRoleBinding')) {
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: binding.roleRef.name, namespace: 'labfleet' }]);
      expect(find(evaluation, 'ServiceAccount', binding.roleRef.name)).toBeDefined();
    }
  });

  it("gives a student nothing that widens their namespace's isolation or quota, and nothing cluster-wide but reading nodes", () => {
    const writes = (role: string) =>
      (find(base, 'ClusterRole', role).rules as Rule[]).flatMap((r) => (r.verbs.some((v) => !['get', 'list', 'watch'].includes(v)) ? r.resources : []));
    const guards = ['roles', 'rolebindings', 'resourcequotas', 'limitranges', 'networkpolicies', 'serviceaccounts', 'serviceaccounts/token', 'namespaces', 'ingresses'];
    expect(writes('labfleet-student').filter((r) => guards.includes(r))).toEqual([]);
    expect(writes('labfleet-student')).toEqual(expect.arrayContaining(['pods', 'pods/exec', 'services', 'deployments', 'deployments/scale']));
    expect(find(base, 'ClusterRole', 'labfleet-student-nodes').rules).toEqual([{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] }]);
  });

  it('configures Labfleet with variables it knows, which load with LAB_PROVIDER=kubernetes', () => {
    const known = new Set([...readFileSync(join(K8S_DIR, '../.env.example'), 'utf8').matchAll(/^#?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const env = { ...find(evaluation, 'ConfigMap', 'labfleet-config').data, ...find(evaluation, 'ConfigMap', 'labfleet-registry-mirror').data };
    expect(Object.keys(env).filter((k) => !known.has(k))).toEqual([]);
    // The Secret's keys, as docs/operations.md "Deploying Labfleet on Kubernetes" says to create it.
    const secrets = {
      DATABASE_URL: 'postgres://labfleet:pw@labfleet-postgres:5432/labfleet',
      REDIS_URL: 'redis://labfleet-redis:6379',
      LABFLEET_ADMIN_TOKEN: 'an-admin-token-of-enough-length',
      LABFLEET_JWT_SECRET: 'a-jwt-secret-of-at-least-32-characters!',
    };
    const config = loadConfig({ ...env, ...secrets });
    expect(config.provider.kind).toBe('kubernetes');
    expect(config.provider).toMatchObject({ securityProfile: 'confined', labImage: 'labfleet/lab:latest' });
    expect(config.kubernetes.runtimeClass).toBeNull();
    expect(config.kubernetes).toMatchObject({ platformNamespace: 'labfleet', registryMirrorUrl: 'http://labfleet-registry.labfleet.svc.cluster.local:5000' });
  });

  it('serves the registry mirror on pods the lab NetworkPolicy lets labs reach', () => {
    expect(find(evaluation, 'Deployment', 'labfleet-registry').spec.template.metadata.labels).toMatchObject({ 'labfleet.io/lab-access': 'true' });
    expect(find(evaluation, 'StatefulSet', 'labfleet-postgres').spec.template.metadata.labels).not.toHaveProperty('labfleet.io/lab-access');
  });
});
