import { randomBytes, randomUUID } from 'node:crypto';
import { LabProvider, LabSpec, labNodeNames, tarArchive } from '@labfleet/domain';
import { digestOf, tarFileDigests } from './tar-digests';

export interface ContractHarness {
  readonly provider: LabProvider;
  /** Names of every backend resource that still carries the lab's id. */
  resourcesOf(labId: string): Promise<string[]>;
  /** Removes a lab's runtime behind the provider's back (a crashed node, a manual `docker rm`). */
  removeBehindTheBack(labId: string): Promise<void>;
}

export function labSpec(image: string, nodes = 1): LabSpec {
  return {
    labId: randomUUID(),
    templateName: 'contract',
    image,
    nodes: labNodeNames(nodes).map((name) => ({ name, hostname: name })),
    limits: { cpus: 1, memoryMb: 1024, pidsLimit: 512, diskMb: null },
    reservation: { cpus: 0.05, memoryMb: 128 },
    images: [],
  };
}

/**
 * The promises of the `LabProvider` port, checked the same way against every backend.
 * Call inside a `describe`; `harness()` is read after the caller's beforeAll has run.
 */
export function labProviderContract(harness: () => ContractHarness, image: string): void {
  // Real backends: a multi-node lab on a loaded 2-core machine takes more than Jest's default 5 s.
  jest.setTimeout(60_000);
  const made: string[] = [];
  const spec = (nodes = 1) => {
    const s = labSpec(image, nodes);
    made.push(s.labId);
    return s;
  };

  afterAll(async () => {
    for (const id of made) await harness().provider.destroy(id).catch(() => undefined);
  });

  it('provision resolves only when the lab daemon answers', async () => {
    const s = spec();
    const handle = await harness().provider.provision(s);
    expect(handle.labId).toBe(s.labId);
    expect(handle.nodes.map((n) => n.name)).toEqual(['node1']);
    const info = await harness().provider.exec(s.labId, { node: 'node1', command: ['docker', 'info', '--format', '{{.ServerVersion}}'], timeoutMs: 10_000 });
    expect(info.exitCode).toBe(0);
    expect(info.stdout.trim()).toMatch(/^\d+\.\d+/);
    expect(await harness().provider.inspect(s.labId)).toEqual({ state: 'running' });
  });

  it('provision is idempotent on the lab id: twice at once makes one lab', async () => {
    const s = spec();
    const [a, b] = await Promise.all([harness().provider.provision(s), harness().provider.provision(s)]);
    expect(a.nodes[0].runtimeId).toBe(b.nodes[0].runtimeId);
    const again = await harness().provider.provision(s);
    expect(again.nodes[0].runtimeId).toBe(a.nodes[0].runtimeId);
    expect((await harness().resourcesOf(s.labId)).filter((r) => r.startsWith('container:'))).toHaveLength(1);
  });

  it('a multi-node lab puts its nodes on one network, reachable by hostname', async () => {
    const s = spec(2);
    await harness().provider.provision(s);
    const ping = await harness().provider.exec(s.labId, { node: 'node1', command: ['ping', '-c1', '-W2', 'node2'], timeoutMs: 10_000 });
    expect(ping.exitCode).toBe(0);
  });

  it('inspect of a missing lab reports it gone, not an error', async () => {
    expect(await harness().provider.inspect(randomUUID())).toEqual({ state: 'gone' });
  });

  it('inspect reports a lab whose runtime was removed as gone', async () => {
    const s = spec();
    await harness().provider.provision(s);
    await harness().removeBehindTheBack(s.labId);
    expect((await harness().provider.inspect(s.labId)).state).toBe('gone');
  });

  it('destroy removes everything and succeeds on a missing lab', async () => {
    const s = spec();
    await harness().provider.provision(s);
    expect(await harness().provider.listLabIds()).toContain(s.labId);
    await harness().provider.destroy(s.labId);
    expect(await harness().resourcesOf(s.labId)).toEqual([]);
    expect(await harness().provider.listLabIds()).not.toContain(s.labId);
    await expect(harness().provider.destroy(s.labId)).resolves.toBeUndefined();
  });

  it('openPort carries bytes both ways to a port on the node through the backend, and says why when nothing listens', async () => {
    const provider = harness().provider;
    // Only Kubernetes reaches lab ports over the network instead (PORT_PROXY_ROUTE=network).
    if (!provider.openPort) return expect(provider.kind).toBe('kubernetes');
    const s = spec();
    await provider.provision(s);
    const listen = await provider.exec(s.labId, { node: 'node1', command: ['sh', '-c', 'setsid socat TCP-LISTEN:7000,reuseaddr,fork EXEC:cat </dev/null >/dev/null 2>&1 & sleep 0.3'], timeoutMs: 10_000 });
    expect(listen.exitCode).toBe(0);
    const stream = await provider.openPort(s.labId, 'node1', 7000);
    const echoed = await new Promise<string>((resolve, reject) => {
      let got = '';
      stream.on('data', (d: Buffer) => {
        got += d.toString();
        if (got.includes('over the engine\n')) resolve(got);
      });
      stream.on('error', reject);
      stream.write('over the engine\n');
    });
    expect(echoed).toBe('over the engine\n');
    stream.destroy();
    const closed = await provider.openPort(s.labId, 'node1', 7001);
    await expect(new Promise((resolve, reject) => closed.on('error', reject).on('end', resolve).resume())).rejects.toThrow(/refused/i);
  });

  it('exec bounds output and time', async () => {
    const s = spec();
    await harness().provider.provision(s);
    const big = await harness().provider.exec(s.labId, { node: 'node1', command: ['sh', '-c', 'head -c 3000000 /dev/zero | tr "\\0" x; echo err >&2'], timeoutMs: 10_000 });
    expect(big.truncated).toBe(true);
    expect(big.stdout.length).toBeLessThanOrEqual(1024 * 1024);
    expect(big.stderr).toBe('err\n');
    const slow = await harness().provider.exec(s.labId, { node: 'node1', command: ['sleep', '30'], timeoutMs: 1000 });
    expect(slow.timedOut).toBe(true);
    expect(slow.durationMs).toBeLessThan(5000);
    const failing = await harness().provider.exec(s.labId, { node: 'node1', command: ['sh', '-c', 'exit 3'], timeoutMs: 5000 });
    expect(failing).toMatchObject({ exitCode: 3, timedOut: false });
  });

  it('copyIn and copyOut carry files of 0 B, 1 KiB, 100 KiB and 20 MB byte for byte', async () => {
    const provider = harness().provider;
    const s = spec();
    await provider.provision(s);
    for (const size of [0, 1024, 100 * 1024, 20_000_000]) {
      const content = randomBytes(size);
      await provider.copyIn!(s.labId, { node: 'node1', path: '/tmp/sizes' }, await tarArchive({ [`${size}.bin`]: content }));
      const out = await provider.copyOut!(s.labId, { node: 'node1', path: `/tmp/sizes/${size}.bin` });
      expect(await tarFileDigests(out)).toEqual({ [`${size}.bin`]: digestOf(content) });
    }
  });
}
