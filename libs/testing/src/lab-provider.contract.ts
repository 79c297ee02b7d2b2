import { randomUUID } from 'node:crypto';
import { ProviderKind } from '@labfleet/contracts';
import { LabProvider, LabSpec, labNodeNames } from '@labfleet/domain';
import { eventually } from './eventually';
import { runningLabContract } from './running-lab.contract';

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
 * The promises of the `LabProvider` port, every method of it, checked the same way against every
 * backend. Call inside a `describe`; `harness()` is read after the caller's beforeAll has run.
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

  it('inspect and labRuntimes report a lab whose runtime was removed as gone', async () => {
    const s = spec();
    await harness().provider.provision(s);
    await harness().removeBehindTheBack(s.labId);
    expect((await harness().provider.inspect(s.labId)).state).toBe('gone');
    // Listed as gone while something of it is left, else not listed.
    expect((await harness().provider.labRuntimes()).get(s.labId)?.state ?? 'gone').toBe('gone');
  });

  it('destroy removes everything, so labRuntimes no longer lists the lab, and succeeds on a missing lab', async () => {
    const s = spec();
    await harness().provider.provision(s);
    expect((await harness().provider.labRuntimes()).get(s.labId)).toEqual({ state: 'running' });
    await harness().provider.destroy(s.labId);
    expect(await harness().resourcesOf(s.labId)).toEqual([]);
    expect((await harness().provider.labRuntimes()).has(s.labId)).toBe(false);
    await expect(harness().provider.destroy(s.labId)).resolves.toBeUndefined();
  });

  it('labRuntimes reads every lab at once, each as inspect reports it: the running ones, the lost one, the destroyed one', async () => {
    const { provider } = harness();
    const runtimes = await provider.labRuntimes();
    expect([...runtimes.values()].filter((r) => r.state === 'running').length).toBeGreaterThan(0);
    for (const id of made) expect([id, runtimes.get(id) ?? { state: 'gone' }]).toEqual([id, await provider.inspect(id)]);
    for (const [id, runtime] of runtimes) expect([id, runtime]).toEqual([id, await provider.inspect(id)]);
  });

  runningLabContract(harness, spec);

  it('prepare with no images reports no problems on a healthy backend', async () => {
    await expect(harness().provider.prepare([])).resolves.toEqual([]);
  });

  it('capacity reports the CPUs and memory labs can have', async () => {
    const { cpus, memoryMb } = await harness().provider.capacity();
    expect(cpus).toBeGreaterThan(0);
    expect(memoryMb).toBeGreaterThan(0);
    expect([cpus, memoryMb].every(Number.isFinite)).toBe(true);
  });

  it('ping answers while the backend is up', async () => {
    await expect(harness().provider.ping()).resolves.toBeUndefined();
  });

  it('place finds room for a small lab; asked again, also twice at once, it stays placed and makes nothing more', async () => {
    const { provider } = harness();
    // A single Docker host has no placement of its own (see `LabProvider.place`).
    if (!provider.place) return expect(provider.kind).toBe(ProviderKind.Docker);
    const place = provider.place.bind(provider);
    const s = spec();
    // As the lifecycle does: a cluster may answer "not yet" while its scheduler decides.
    await eventually(async () => expect(await place(s)).toEqual({ placed: true }), { timeoutMs: 15_000, intervalMs: 100, what: 'the lab to be placed' });
    const before = await harness().resourcesOf(s.labId);
    expect(await Promise.all([place(s), place(s)])).toEqual([{ placed: true }, { placed: true }]);
    expect((await harness().resourcesOf(s.labId)).sort()).toEqual(before.sort());
  });
}
