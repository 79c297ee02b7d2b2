import { Exec, V1Status } from '@kubernetes/client-node';
import { PassThrough } from 'node:stream';
import { checkCommand, endsWithin, inLab, LabSpec } from '@labfleet/domain';
import { labSpec } from '@labfleet/testing';
import { KubernetesProvider } from '../src';
import { FakeKubeSetup, FAKE_TEST_TIMEOUT_MS } from './fake-kube-setup';

// A lab through the fake takes well under a second, but many seconds on a loaded 2-core machine.
jest.setTimeout(FAKE_TEST_TIMEOUT_MS);

/** What a raw exec (client-node's own, no provider) got back. */
interface RawExec {
  readonly protocol: string;
  readonly stdout: string;
  /** The closing Status, or undefined when the connection closed without one. */
  readonly status: V1Status | undefined;
}

/**
 * The exec path of exercise checks (a script on stdin, read by `head -c`, never a file in the lab)
 * on both channel protocols the client negotiates: v4, which a cluster before v1.30 speaks and
 * which cannot half-close stdin, and v5, whose [255, 0] closes it. The fake answers as the API
 * server and kubelet do (see `fake-exec-channels.ts`); these tests pin both the provider and that.
 */
describe.each([
  { name: 'v4.channel.k8s.io', cluster: 'a v1.25 API server (v4 only)', protocols: ['v4.channel.k8s.io'] },
  { name: 'v5.channel.k8s.io', cluster: 'a v1.30 API server (v5 first)', protocols: ['v5.channel.k8s.io', 'v4.channel.k8s.io'] },
])('exec with a script on stdin over $name, against a fake of $cluster, not a cluster', ({ name, protocols }) => {
  let setup: FakeKubeSetup;
  let provider: KubernetesProvider;
  let lab: LabSpec;
  beforeAll(async () => {
    setup = await FakeKubeSetup.start();
    setup.fake.execProtocols = protocols;
    provider = setup.provider();
    lab = labSpec('labfleet/lab:latest');
    await provider.provision(lab);
  });
  afterAll(() => setup.stop());

  const check = (script: string, timeoutMs = 10_000) => provider.exec(lab.labId, { node: 'node1', command: checkCommand(script), stdin: script, timeoutMs });

  /** An exec of `command` inside the lab with `stdin` written, then ended or left open. */
  async function rawExec(command: string[], stdin: string, end: boolean): Promise<RawExec> {
    const [pod] = setup.fake.store.list('pods', undefined, `labfleet.io/lab-id=${lab.labId}`);
    const input = new PassThrough();
    input.write(stdin);
    if (end) input.end();
    const output = new PassThrough();
    let stdout = '';
    output.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    let status: V1Status | undefined;
    const ws = await new Exec(setup.fake.kubeConfig()).exec(pod.metadata.namespace!, pod.metadata.name, 'dind', inLab(command), output, null, input, false, (s) => (status = s));
    expect(await endsWithin(ws, ['close'], 10_000)).toBe(true);
    return { protocol: ws.protocol, stdout, status };
  }

  it('a passing check: exit 0 and its output, bytes counted as bytes', async () => {
    expect(await check('echo "nginx answers on 8080 ✓"\n')).toMatchObject({ exitCode: 0, stdout: 'nginx answers on 8080 ✓\n', stderr: '', timedOut: false });
  });

  it('a failing check: its exit code and output', async () => {
    expect(await check("echo 'no container named web' >&2\nexit 1\n")).toMatchObject({ exitCode: 1, stdout: '', stderr: 'no container named web\n', timedOut: false });
  });

  it('a check of 100 kB runs whole, every line', async () => {
    const lines = Array.from({ length: 8000 }, (_, i) => `echo line-${i}`);
    const result = await check(`${lines.join('\n')}\nexit 4\n`);
    expect(result).toMatchObject({ exitCode: 4, truncated: false });
    expect(result.stdout).toBe(lines.map((l) => `${l.slice(5)}\n`).join(''));
  });

  it('a check that hangs is cut at its timeout; one that reads stdin gets end-of-file', async () => {
    expect(await check('echo started\nsleep 60\n', 1000)).toMatchObject({ timedOut: true, stdout: 'started\n' });
    expect(await check('cat\necho "read nothing"\n', 5000)).toMatchObject({ exitCode: 0, stdout: 'read nothing\n', timedOut: false });
  });

  it(`the server picks ${name}; ending stdin is end-of-file on v5 and a closed connection (no exit status) on v4`, async () => {
    // Without `</dev/null` (not the check command): `cat` reads on past the script.
    const script = 'cat\necho after\n';
    const reader = ['timeout', '--signal=KILL', '3', 'bash', '-c', `eval "$(head -c ${Buffer.byteLength(script)})"`];
    const ended = await rawExec(reader, `${script}more\n`, true);
    expect(ended.protocol).toBe(name);
    if (name === 'v5.channel.k8s.io') expect(ended).toMatchObject({ stdout: 'more\nafter\n', status: { status: 'Success' } });
    else expect(ended.status).toBeUndefined();
    // Left open, stdin never ends: `cat` waits until `timeout` kills it.
    const open = await rawExec(reader, `${script}more\n`, false);
    expect(open).toMatchObject({ stdout: 'more\n', status: { reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '137' }] } } });
  });
});
