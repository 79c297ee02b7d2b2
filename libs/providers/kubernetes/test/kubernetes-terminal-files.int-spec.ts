import { randomBytes, randomUUID } from 'node:crypto';
import { extract } from 'tar-stream';
import { LabSpec, tarArchive, TerminalSession } from '@labfleet/domain';
import { eventually, labSpec } from '@labfleet/testing';
import { KubernetesProvider } from '../src';
import { KubeObject } from './fake-kube/fake-kube-store';
import { FakeKubeSetup, FAKE_TEST_TIMEOUT_MS } from './fake-kube-setup';
import { KubeOpenApiValidator } from './kube-openapi-validator';

let setup: FakeKubeSetup;
let provider: KubernetesProvider;
let lab: LabSpec;
beforeAll(async () => {
  setup = await FakeKubeSetup.start();
  provider = setup.provider();
  lab = spec(2);
  await provider.provision(lab);
});
afterAll(() => setup.stop());
// A lab through the fake takes well under a second, but many seconds on a loaded 2-core machine:
// a test fails on what it checks (its own waits are shorter), not on Jest's 5 s default.
jest.setTimeout(FAKE_TEST_TIMEOUT_MS);

const spec = (nodes: number): LabSpec => labSpec('labfleet/lab:latest', nodes);

/** Waits up to 3 s for `probe` to pass. */
const soon = (probe: () => void, what: string) => eventually(probe, { timeoutMs: 3000, intervalMs: 10, what });

/** A terminal session with its output collected as text. */
function watch(session: TerminalSession): { output: () => string; ended: () => boolean } {
  let output = '';
  let ended = false;
  session.onData((chunk) => (output += chunk.toString('utf8')));
  session.onEnd(() => (ended = true));
  return { output: () => output, ended: () => ended };
}


async function entriesOf(stream: NodeJS.ReadableStream): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  const unpack = extract();
  stream.pipe(unpack);
  for await (const entry of unpack) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    const content = Buffer.concat(chunks);
    found[entry.header.name] = entry.header.type === 'directory' ? '<dir>' : content.length > 1000 ? `<${content.length} bytes ${content.subarray(0, 8).toString('hex')}>` : content.toString('utf8');
  }
  return found;
}

describe('KubernetesProvider web terminal against a fake Kubernetes API server (not a cluster)', () => {
  it('echoes what is typed, follows resizes on the resize channel, and ends when the program exits', async () => {
    const session = await provider.attach(lab.labId, { node: 'node2', command: ['sh', '-c', 'exec tmux attach -t lab'], cols: 100, rows: 30 });
    const term = watch(session);
    const record = setup.fake.terminals.at(-1)!;
    expect(record.pod).toBe(`lab-${lab.labId}-node2`);
    expect(record.command).toEqual(['/usr/local/sbin/lab-enter', 'env', 'TERM=xterm-256color', 'LANG=C.UTF-8', 'sh', '-c', 'exec tmux attach -t lab']);

    session.write('stty size\r');
    await soon(() => expect(term.output()).toContain('30 100\r\n'), 'the first size');
    expect(term.output()).toBe('$ stty size\r\n30 100\r\n$ ');

    await session.resize(132, 43);
    session.write(Buffer.from('stty size\r'));
    await soon(() => expect(term.output()).toContain('43 132\r\n'), 'the new size');
    expect(record.sizes).toEqual([
      { width: 100, height: 30 },
      { width: 132, height: 43 },
    ]);

    session.write('exit\r');
    await soon(() => expect(term.ended()).toBe(true), 'the end of the session');
    expect(record.input).toBe('stty size\rstty size\rexit\r');
    expect(record.hungUp).toBe(false);
    // Typing into an ended session is harmless.
    session.write('ls\r');
  });

  it('closing the session hangs up the program; onEnd fires once, also for a late listener', async () => {
    const session = await provider.attach(lab.labId, { node: 'node1', command: ['bash'], cols: 80, rows: 24 });
    const term = watch(session);
    await soon(() => expect(term.output()).toBe('$ '), 'the prompt');
    session.close();
    await soon(() => expect(term.ended()).toBe(true), 'the end of the session');
    await soon(() => expect(setup.fake.terminals.at(-1)!.hungUp).toBe(true), 'the hang-up');
    let late = 0;
    session.onEnd(() => late++);
    expect(late).toBe(1);
  });

  it('refuses a node that is not running', async () => {
    await expect(provider.attach(randomUUID(), { node: 'node1', command: ['bash'], cols: 80, rows: 24 })).rejects.toMatchObject({
      name: 'ProviderError',
      message: 'lab node node1 is not running',
      retryable: false,
    });
  });
});

describe('KubernetesProvider file copy against a fake Kubernetes API server (not a cluster)', () => {
  it('copies a tar in (making the directory) and out again, as a directory or one file', async () => {
    const big = randomBytes(3 * 1024 * 1024);
    const tar = await tarArchive({ Dockerfile: 'FROM alpine\n', 'app/': null, 'app/main.sh': 'echo hi\n', 'app/data.bin': big });
    await provider.copyIn(lab.labId, { node: 'node1', path: '/root/project' }, tar);

    const bigEntry = `<${big.length} bytes ${big.subarray(0, 8).toString('hex')}>`;
    expect(await entriesOf(await provider.copyOut(lab.labId, { node: 'node1', path: '/root/project' }))).toEqual({
      'project/': '<dir>',
      'project/Dockerfile': 'FROM alpine\n',
      'project/app/': '<dir>',
      'project/app/data.bin': bigEntry,
      'project/app/main.sh': 'echo hi\n',
    });
    expect(await entriesOf(await provider.copyOut(lab.labId, { node: 'node1', path: '/root/project/app/main.sh' }))).toEqual({ 'main.sh': 'echo hi\n' });
    // Each node has its own files.
    await expect(provider.copyOut(lab.labId, { node: 'node2', path: '/root/project' })).rejects.toThrow(/No such file/);
  });

  it('reports a missing path with "No such file" (the API answers 404), before any byte of archive', async () => {
    const failure = provider.copyOut(lab.labId, { node: 'node1', path: '/root/nothing-here' });
    await expect(failure).rejects.toMatchObject({ name: 'ProviderError', retryable: false, message: expect.stringMatching(/No such file or directory/) });
    await expect(failure).rejects.toThrow(/404|no such file|not found/i);
  });

  it('fails with the words of the lab node when the directory cannot be made', async () => {
    await provider.copyIn(lab.labId, { node: 'node1', path: '/root' }, await tarArchive({ notes: 'a file' }));
    await expect(provider.copyIn(lab.labId, { node: 'node1', path: '/root/notes/sub' }, await tarArchive({ a: 'a' }))).rejects.toMatchObject({
      name: 'ProviderError',
      retryable: false,
      message: expect.stringMatching(/cannot copy into \/root\/notes\/sub: mkdir: .*Not a directory/),
    });
  });

  it('a reader that stops early closes the exec, and a second copy still works', async () => {
    await provider.copyIn(lab.labId, { node: 'node2', path: '/tmp' }, await tarArchive({ 'large.bin': randomBytes(2 * 1024 * 1024) }));
    const stream = (await provider.copyOut(lab.labId, { node: 'node2', path: '/tmp/large.bin' })) as NodeJS.ReadableStream & { destroy(): void };
    await new Promise((resolve) => stream.once('data', resolve));
    expect(setup.fake.openExecs).toBe(1);
    stream.destroy();
    await soon(() => expect(setup.fake.openExecs).toBe(0), 'the exec to close');
    expect(Object.keys(await entriesOf(await provider.copyOut(lab.labId, { node: 'node2', path: '/tmp/large.bin' })))).toEqual(['large.bin']);
  });
});

describe('KubernetesProvider capacity against a fake Kubernetes API server (not a cluster)', () => {
  const validator = new KubeOpenApiValidator();
  const node = (name: string, cpu: string, memory: string, extra: { ready?: boolean; unschedulable?: boolean; taint?: string } = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/hostname': name } },
    spec: { ...(extra.unschedulable ? { unschedulable: true } : {}), ...(extra.taint ? { taints: [{ key: extra.taint, effect: 'NoSchedule' }] } : {}) },
    status: {
      capacity: { cpu, memory, pods: '110' },
      allocatable: { cpu, memory, pods: '110' },
      conditions: [{ type: 'Ready', status: extra.ready === false ? 'Unknown' : 'True', reason: 'KubeletReady', lastHeartbeatTime: '2026-03-04T09:00:00Z' }],
    },
  });

  it('sums the allocatable CPU and memory of Ready, schedulable, untainted nodes only', async () => {
    const nodes = [
      node('worker-1', '3920m', '7901560Ki'),
      node('worker-2', '4', '16Gi'),
      node('worker-3', '8', '32Gi', { ready: false }),
      node('worker-4', '8', '32Gi', { unschedulable: true }),
      node('control-plane', '2', '4Gi', { taint: 'node-role.kubernetes.io/control-plane' }),
    ];
    expect(nodes.flatMap((n) => validator.validate(n))).toEqual([]);
    for (const n of nodes) setup.fake.store.create('nodes', n);
    try {
      expect(await provider.capacity()).toEqual({ cpus: 7.92, memoryMb: Math.floor(7901560 / 1024) + 16 * 1024 });
    } finally {
      for (const n of nodes) setup.fake.store.remove('nodes', undefined, n.metadata.name);
    }
  });
});
