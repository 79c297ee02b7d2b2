import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabStatus } from '@labfleet/contracts';
import { labDiskDir } from '@labfleet/provider-docker';
import { docker, eventually, LabfleetStack, NO_RESOURCES, testConfig } from '@labfleet/testing';

jest.setTimeout(180_000);

/** The lab container's cgroup of `controller` on the host, from where its first process is (cgroup v1 or v2). */
async function labCgroup(containerId: string, controller: 'pids' | 'memory'): Promise<string> {
  const { State } = await docker.getContainer(containerId).inspect();
  const lines = (await readFile(`/proc/${State.Pid}/cgroup`, 'utf8')).split('\n');
  const v1 = lines.find((l) => l.split(':')[1] === controller);
  const dir = v1 ? join(`/sys/fs/cgroup/${controller}`, v1.split(':')[2]) : join('/sys/fs/cgroup', lines.find((l) => l.startsWith('0::'))!.slice(3));
  if (!existsSync(dir)) throw new Error(`no ${controller} cgroup for ${containerId} at ${dir}`);
  return dir;
}
const pidsRefusals = async (id: string) => Number(/max (\d+)/.exec(await readFile(join(await labCgroup(id, 'pids'), 'pids.events'), 'utf8'))?.[1] ?? 0);
const pidsCurrent = async (id: string) => Number(await readFile(join(await labCgroup(id, 'pids'), 'pids.current'), 'utf8'));
const oomKills = async (id: string) => Number(/oom_kill (\d+)/.exec(await readFile(join(await labCgroup(id, 'memory'), 'memory.oom_control'), 'utf8'))?.[1] ?? 0);
const MIB = 1024 * 1024;

/** The seed templates plus `tiny`: small memory and disk, so filling them takes seconds. */
function templatesWithTiny(): string {
  const seed = JSON.parse(readFileSync('deploy/templates.json', 'utf8'));
  const tiny = { name: 'tiny', description: 'small limits', nodes: 1, cpus: 0.5, memoryMb: 256, pidsLimit: 512, diskMb: 512, ttlSeconds: 3600, reservedCpus: 0.05, reservedMemoryMb: 64, images: ['debian:bookworm-slim'] };
  const file = join(mkdtempSync(join(tmpdir(), 'labfleet-templates-')), 'templates.json');
  writeFileSync(file, JSON.stringify({ templates: [...seed.templates, tiny] }));
  return file;
}

describe('labs are isolated from each other and held to their limits', () => {
  let stack: LabfleetStack;
  let a: any;
  let b: any;

  let tiny: any;
  const templates = templatesWithTiny();

  beforeAll(async () => {
    stack = await LabfleetStack.start({ TEMPLATES_FILE: templates });
    const ids = await Promise.all(['docker', 'docker', 'tiny'].map(async (template) => (await stack.client.post('/api/v1/labs', { template })).body.id));
    [a, b, tiny] = await Promise.all(ids.map((id) => stack.client.waitForLab(id, [LabStatus.Ready], 120_000)));
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(templates, { force: true });
  });

  it('each lab has a network of its own', async () => {
    const [ra, rb] = await Promise.all([stack.instance.resources(a.id), stack.instance.resources(b.id)]);
    expect(ra.networks).toHaveLength(1);
    expect(rb.networks).toHaveLength(1);
    expect(ra.networks[0]).not.toBe(rb.networks[0]);
    expect(a.nodes[0].address).not.toBe(b.nodes[0].address);
  });

  it("a lab cannot reach another lab's daemon host or its published containers", async () => {
    expect(await stack.client.sh(a.id, 'docker run -d -p 8080:80 nginx')).toMatchObject({ exitCode: 0 });
    await eventually(async () => expect((await stack.client.sh(a.id, 'curl -sf localhost:8080 >/dev/null')).exitCode).toBe(0), { intervalMs: 100, what: 'nginx to answer in lab A' });
    // Lab A's own address answers from inside lab A: the target is real, so a refusal from B means isolation.
    const self = await stack.client.sh(a.id, `curl -sf --max-time 3 http://${a.nodes[0].address}:8080/ >/dev/null && echo reachable`);
    expect(self.stdout.trim()).toBe('reachable');
    const fromB = await stack.client.sh(b.id, `curl -s --max-time 3 http://${a.nodes[0].address}:8080/ >/dev/null && echo reachable || echo blocked; ping -c1 -W2 ${a.nodes[0].address} >/dev/null && echo pinged || echo no-ping`);
    expect(fromB.stdout.trim().split('\n')).toEqual(['blocked', 'no-ping']);
  });

  it('applies the template limits to the lab container', async () => {
    const [name] = (await stack.instance.resources(a.id)).containers;
    const { HostConfig, Config } = await docker.getContainer(name.slice(1)).inspect();
    expect(HostConfig).toMatchObject({ NanoCpus: 1e9, Memory: 2048 * 1024 * 1024, MemorySwap: 2048 * 1024 * 1024, PidsLimit: 2048 });
    expect(Config.Labels).toMatchObject({ 'labfleet.managed': 'true', 'labfleet.lab-id': a.id });
    const cg = await stack.client.sh(a.id, 'cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/memory/memory.limit_in_bytes');
    expect(cg.stdout.trim().split('\n')).toEqual(['2048', String(2048 * 1024 * 1024)]);
  });

  // The host's free space is not read: files run in parallel write to the same disk. What the lab
  // can write to on the host is its disk image and its container's own layer, and both are measured.
  it("a lab that fills its disk stops at the template's diskMb; nothing of it lands elsewhere on the host", async () => {
    const diskDir = labDiskDir(testConfig(stack.instance.instance).provider.disk.dir, stack.instance.instance);
    const container = docker.getContainer((await stack.instance.resources(tiny.id)).containers[0].slice(1));
    const layer = async () => Number(((await container.inspect({ size: true } as object)) as { SizeRw?: number }).SizeRw ?? NaN);
    const layerBefore = await layer();
    // Everything the student writes (home, /etc, images, containers) is on the lab's disk.
    expect(await stack.client.sh(tiny.id, 'docker pull -q debian:bookworm-slim')).toMatchObject({ exitCode: 0 });
    const fill = await stack.client.sh(tiny.id, 'dd if=/dev/zero of=/root/fill bs=1M count=2048 2>&1 | grep -o "No space left on device"; stat -c %s /root/fill; docker run --rm debian:bookworm-slim true 2>&1 | grep -io "no space left on device" | head -1', 120);
    const [dd, size, run] = `${fill.stdout}`.trim().split('\n');
    expect(dd).toMatch(/No space left on device/);
    expect(Number(size)).toBeLessThan(512 * MIB);
    expect(run).toMatch(/no space left on device/i);
    const image = statSync(join(diskDir, `${tiny.id}-node1.img`));
    expect(image.blocks * 512).toBeLessThan(560 * MIB);
    const layerGrowth = (await layer()) - layerBefore;
    expect(layerGrowth).toBeLessThan(16 * MIB);
    // Room made again, the lab goes on.
    const after = await stack.client.sh(tiny.id, 'rm /root/fill && docker run --rm debian:bookworm-slim echo room-again');
    expect(after).toMatchObject({ exitCode: 0, stdout: expect.stringContaining('room-again') });
    console.log(`disk fill: ${Math.round(Number(size) / MIB)} MiB written before ENOSPC (template diskMb 512); disk image ${Math.round((image.blocks * 512) / MIB)} MiB, container layer ${Math.round(layerGrowth / MIB)} MiB more while full`);
  });

  it("a lab that runs out of memory loses its own process; its daemon, the other labs and the host carry on", async () => {
    const { Id } = await docker.getContainer((await stack.instance.resources(tiny.id)).containers[0].slice(1)).inspect();
    const kills = await oomKills(Id);
    // tail keeps a line that never ends in memory: it grows until the lab's 256 MiB are used up.
    const hog = await stack.client.sh(tiny.id, 'head -c 1G /dev/zero | tail; echo "exit=$?"', 60);
    expect(hog.stdout).toMatch(/exit=137/);
    expect(await oomKills(Id)).toBeGreaterThan(kills);
    expect(await stack.client.sh(tiny.id, 'docker info --format "{{.ServerVersion}}"')).toMatchObject({ exitCode: 0 });
    expect((await stack.client.get(`/api/v1/labs/${tiny.id}`)).body.status).toBe('ready');
    expect(await stack.client.sh(b.id, 'echo still-fine')).toMatchObject({ exitCode: 0, stdout: 'still-fine\n' });
    expect((await docker.ping()).toString()).toBe('OK');
  });

  it('a fork bomb in one lab stops at its pids limit; the host and the other lab carry on', async () => {
    // Every bomb waits for its children, so processes pile up until the kernel refuses forks.
    const bomb = stack.client.sh(a.id, 'bomb() { bomb & bomb & wait; }; bomb', 45);
    const { Id } = await docker.getContainer((await stack.instance.resources(a.id)).containers[0].slice(1)).inspect();
    // The pids cgroup counts forks it refused at the limit: the bomb hits the ceiling and stops there.
    await eventually(async () => expect(await pidsRefusals(Id)).toBeGreaterThan(0), { timeoutMs: 40_000, intervalMs: 200, what: 'the pids limit to refuse a fork' });
    expect(await pidsCurrent(Id)).toBeLessThanOrEqual(2048);
    const other = await stack.client.sh(b.id, 'docker run --rm debian:bookworm-slim echo still-fine');
    expect(other).toMatchObject({ exitCode: 0 });
    expect(other.stdout).toMatch(/still-fine/);
    expect((await docker.ping()).toString()).toBe('OK');
    await bomb.catch(() => undefined);
    const stopped = await stack.client.delete(`/api/v1/labs/${a.id}`);
    expect(stopped.status).toBe(202);
    await stack.client.waitForLab(a.id, [LabStatus.Stopped]);
    expect(await stack.instance.resources(a.id)).toEqual(NO_RESOURCES);
  });
});
