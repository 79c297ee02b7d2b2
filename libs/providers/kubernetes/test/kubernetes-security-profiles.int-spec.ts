import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { CoreV1Api, Exec, V1Status } from '@kubernetes/client-node';
import type { LabSecurityProfile } from '@labfleet/config';
import { LabSpec, tarArchive } from '@labfleet/domain';
import { eventually, labSpec } from '@labfleet/testing';
import { exitCodeOf } from '../src/kubernetes-exec';
import { KubeObject } from './fake-kube/fake-kube-store';
import { FakeKubeSetup, LAB_IMAGE, ProviderOverrides, FAKE_TEST_TIMEOUT_MS } from './fake-kube-setup';

let setup: FakeKubeSetup;
beforeAll(async () => {
  setup = await FakeKubeSetup.start();
});
afterAll(() => setup.stop());
// A lab through the fake takes well under a second, but many seconds on a loaded 2-core machine:
// a test fails on what it checks (its own waits are shorter), not on Jest's 5 s default.
jest.setTimeout(FAKE_TEST_TIMEOUT_MS);

const LAB_ENTER = '/usr/local/sbin/lab-enter';
const APPARMOR = 'container.apparmor.security.beta.kubernetes.io/dind';
const spec = (profile: LabSecurityProfile): LabSpec => labSpec(LAB_IMAGE[profile]);

/** The lab's pod and namespace as the fake API server keeps them (their wire form). */
function stored(s: LabSpec): { pod: KubeObject; namespace: KubeObject } {
  const pod = setup.fake.store.list('pods', undefined, `labfleet.io/lab-id=${s.labId}`)[0];
  return { pod, namespace: setup.fake.store.get('namespaces', undefined, pod.metadata.namespace!)! };
}


/** A command sent as is (no lab-enter added), as a provider path that forgot it would. */
async function rawExec(pod: KubeObject, command: string[]): Promise<{ exitCode?: number; stderr: string }> {
  const [stdout, stderr] = [new PassThrough(), new PassThrough()];
  stdout.resume();
  let text = '';
  stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  let status: V1Status | undefined;
  const socket = await new Exec(setup.fake.kubeConfig()).exec(pod.metadata.namespace!, pod.metadata.name, 'dind', command, stdout, stderr, null, false, (s) => {
    status = s;
  });
  await new Promise((resolve) => socket.on('close', resolve));
  return { exitCode: exitCodeOf(status), stderr: text };
}

/** Every way Labfleet reaches into a lab node works: exec, the web terminal, files in and out. */
async function reachesIntoTheLab(overrides: ProviderOverrides, s: LabSpec): Promise<void> {
  const provider = setup.provider(overrides);
  expect(await provider.exec(s.labId, { node: 'node1', command: ['docker', 'info'], timeoutMs: 5000 })).toMatchObject({ exitCode: 0 });
  const terminal = await provider.attach(s.labId, { node: 'node1', command: ['bash'], cols: 80, rows: 24 });
  const ended = new Promise<void>((resolve) => terminal.onEnd(resolve));
  terminal.write('exit\r');
  await ended;
  await provider.copyIn(s.labId, { node: 'node1', path: '/root' }, await tarArchive({ 'hello.txt': 'hello' }));
  (await provider.copyOut(s.labId, { node: 'node1', path: '/root/hello.txt' })).resume();
}

describe('lab security profiles against a fake Kubernetes API server (not a cluster)', () => {
  it('confined (the default): an unprivileged pod with seven capabilities, /proc unmasked, seccomp and AppArmor unconfined, its disk at /lab-disk', async () => {
    const s = spec('confined');
    await setup.provider().provision(s);
    const { pod, namespace } = stored(s);
    expect(pod.spec.containers[0]).toMatchObject({
      image: 'labfleet/lab:latest',
      securityContext: {
        privileged: false,
        capabilities: { drop: ['ALL'], add: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETUID', 'SETGID', 'NET_ADMIN', 'KILL'] },
        procMount: 'Unmasked',
        seccompProfile: { type: 'Unconfined' },
      },
      volumeMounts: [{ name: 'disk', mountPath: '/lab-disk' }],
      readinessProbe: { exec: { command: [LAB_ENTER, 'docker', 'info'] } },
    });
    expect(pod.metadata.annotations).toMatchObject({ [APPARMOR]: 'unconfined' });
    expect(namespace.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'privileged' });
    await reachesIntoTheLab({}, s);
  });

  it('privileged: the plain DinD image in a privileged pod, its disk at /var/lib/docker, every command still through lab-enter', async () => {
    const s = spec('privileged');
    await setup.provider({ securityProfile: 'privileged' }).provision(s);
    const { pod, namespace } = stored(s);
    expect(pod.spec.containers[0]).toMatchObject({ image: 'labfleet/lab-dind:latest', securityContext: { privileged: true }, volumeMounts: [{ name: 'disk', mountPath: '/var/lib/docker' }] });
    expect(pod.metadata.annotations).not.toHaveProperty(APPARMOR);
    expect(namespace.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'privileged' });
    await reachesIntoTheLab({ securityProfile: 'privileged' }, s);
  });

  it('runtime: the runtime class and no privilege, in a baseline namespace', async () => {
    const runtime: ProviderOverrides = { securityProfile: 'runtime', runtimeClass: 'sysbox-runc' };
    const s = spec('runtime');
    await setup.provider(runtime).provision(s);
    const { pod, namespace } = stored(s);
    expect(pod.spec.runtimeClassName).toBe('sysbox-runc');
    expect(pod.spec.containers[0].securityContext).toBeUndefined();
    expect(pod.spec.containers[0].volumeMounts).toEqual([{ name: 'disk', mountPath: '/var/lib/docker' }]);
    expect(namespace.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'baseline' });
    await reachesIntoTheLab(runtime, s);
  });

  it('fails a confined lab at once, saying why, where the API server drops the unmasked /proc (ProcMountType gate off); other profiles do not need it', async () => {
    setup.fake.settings.procMountType = false;
    try {
      await expect(setup.provider({}, 60).provision(spec('confined'))).rejects.toMatchObject({
        name: 'ProviderError',
        message: expect.stringMatching(/dropped the unmasked \/proc .*ProcMountType feature gate/),
        retryable: false,
      });
      await expect(setup.provider({ securityProfile: 'privileged' }).provision(spec('privileged'))).resolves.toBeDefined();
    } finally {
      setup.fake.settings.procMountType = true;
    }
  });
});

describe('the fake lab image runs only what comes through lab-enter, as a confined node must', () => {
  it('refuses an exec that skips it (126, on stderr), and runs it through lab-enter', async () => {
    const s = spec('confined');
    await setup.provider().provision(s);
    const { pod } = stored(s);
    expect(await rawExec(pod, ['docker', 'info'])).toEqual({ exitCode: 126, stderr: expect.stringContaining('lab-enter required') });
    expect(await rawExec(pod, ['timeout', '--signal=KILL', '5', LAB_ENTER, 'docker', 'info'])).toMatchObject({ exitCode: 126 });
    expect(await rawExec(pod, [LAB_ENTER, 'docker', 'info'])).toEqual({ exitCode: 0, stderr: '' });
  });

  it('never makes Ready a pod whose readiness probe skips it', async () => {
    const core = setup.fake.kubeConfig().makeApiClient(CoreV1Api);
    const namespace = `probe-${randomUUID()}`;
    await core.createNamespace({ body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } });
    const pod = (name: string, command: string[]) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace },
      spec: { containers: [{ name: 'dind', image: 'labfleet/lab:latest', readinessProbe: { exec: { command } } }] },
    });
    await core.createNamespacedPod({ namespace, body: pod('outside', ['docker', 'info']) });
    await core.createNamespacedPod({ namespace, body: pod('inside', [LAB_ENTER, 'docker', 'info']) });
    const status = (name: string) => setup.fake.store.get('pods', namespace, name)?.status;
    const ready = (name: string) => status(name)?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True') ?? false;
    // Both started together, 'outside' first: by the time 'inside' is Ready, 'outside' has gone as far as it will.
    await eventually(() => expect([status('outside')?.phase, ready('inside')]).toEqual(['Running', true]), { timeoutMs: 5000, what: 'the pods to start' });
    expect(ready('outside')).toBe(false);
  });
});
