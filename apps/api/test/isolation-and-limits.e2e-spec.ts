import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LabStatus } from '@labfleet/contracts';
import { docker, LabfleetStack, NO_RESOURCES } from '@labfleet/testing';

jest.setTimeout(180_000);

/** The lab container's pids cgroup on the host, from where its first process is (cgroup v1 or v2). */
async function pidsCgroup(containerId: string): Promise<string> {
  const { State } = await docker.getContainer(containerId).inspect();
  const lines = (await readFile(`/proc/${State.Pid}/cgroup`, 'utf8')).split('\n');
  const v1 = lines.find((l) => l.split(':')[1] === 'pids');
  const dir = v1 ? join('/sys/fs/cgroup/pids', v1.split(':')[2]) : join('/sys/fs/cgroup', lines.find((l) => l.startsWith('0::'))!.slice(3));
  if (!existsSync(join(dir, 'pids.events'))) throw new Error(`no pids cgroup for ${containerId} at ${dir}`);
  return dir;
}
const pidsRefusals = async (id: string) => Number(/max (\d+)/.exec(await readFile(join(await pidsCgroup(id), 'pids.events'), 'utf8'))?.[1] ?? 0);
const pidsCurrent = async (id: string) => Number(await readFile(join(await pidsCgroup(id), 'pids.current'), 'utf8'));

describe('labs are isolated from each other and held to their limits', () => {
  let stack: LabfleetStack;
  let a: any;
  let b: any;

  beforeAll(async () => {
    stack = await LabfleetStack.start();
    const ids = await Promise.all([0, 1].map(async () => (await stack.client.post('/api/v1/labs', { template: 'docker' })).body.id));
    [a, b] = await Promise.all(ids.map((id) => stack.client.waitForLab(id, [LabStatus.Ready])));
  });
  afterAll(() => stack?.stop());

  it('each lab has a network of its own', async () => {
    const [ra, rb] = await Promise.all([stack.instance.resources(a.id), stack.instance.resources(b.id)]);
    expect(ra.networks).toHaveLength(1);
    expect(rb.networks).toHaveLength(1);
    expect(ra.networks[0]).not.toBe(rb.networks[0]);
    expect(a.nodes[0].address).not.toBe(b.nodes[0].address);
  });

  it("a lab cannot reach another lab's daemon host or its published containers", async () => {
    const serve = await stack.client.sh(a.id, 'docker run -d -p 8080:80 nginx >/dev/null && for i in $(seq 50); do curl -sf localhost:8080 >/dev/null && exit 0; sleep 0.1; done; exit 1');
    expect(serve.exitCode).toBe(0);
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

  it('a fork bomb in one lab stops at its pids limit; the host and the other lab carry on', async () => {
    // Every bomb waits for its children, so processes pile up until the kernel refuses forks.
    const bomb = stack.client.sh(a.id, 'bomb() { bomb & bomb & wait; }; bomb', 45);
    const { Id } = await docker.getContainer((await stack.instance.resources(a.id)).containers[0].slice(1)).inspect();
    let refused = 0;
    for (const started = Date.now(); refused === 0 && Date.now() - started < 40_000; await new Promise((r) => setTimeout(r, 200))) {
      refused = await pidsRefusals(Id);
    }
    // The pids cgroup counts forks it refused at the limit: the bomb hit the ceiling and stopped there.
    expect(refused).toBeGreaterThan(0);
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
