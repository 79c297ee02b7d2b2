import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { LabStatus } from '@labfleet/contracts';
import { ApiClient, composeCommand, eventually, freePort, removeInstance, removeLabResources, writeComposeProject } from '@labfleet/testing';

jest.setTimeout(300_000);

const run = promisify(execFile);
const docker = new Docker();

/**
 * The README's "Run it": docker-compose.yml with a .env made from .env.example, on this engine,
 * with the images `deploy/build-images.sh` built. Only loopback (the published API port) and the
 * containers Compose and Labfleet start are contacted.
 */
describe('the Compose deployment (README "Run it")', () => {
  const tag = randomBytes(3).toString('hex');
  const project = `lfcompose${tag}`;
  const instance = `compose-${tag}`;
  const dir = mkdtempSync(join(tmpdir(), 'labfleet-compose-'));
  const token = randomBytes(24).toString('hex');
  let compose: string[];
  let client: ApiClient;

  const composeRun = (...args: string[]) =>
    run(compose[0], [...compose.slice(1), '-p', project, ...args], { cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME }, maxBuffer: 16 << 20 });

  beforeAll(async () => {
    await docker.getImage('labfleet/labfleet:latest').inspect().catch(() => {
      throw new Error('labfleet/labfleet:latest is not on the engine: run bash deploy/build-images.sh (it builds the lab and the app image)');
    });
    compose = await composeCommand();
    const [apiPort, registryPort] = [await freePort(), await freePort()];
    writeComposeProject(dir, token, { LABFLEET_PORT: `127.0.0.1:${apiPort}`, LABFLEET_INSTANCE: instance, REGISTRY_NAME: `${instance}-registry`, REGISTRY_HOST_PORT: String(registryPort) });
    await composeRun('up', '-d');
    client = new ApiClient(`http://127.0.0.1:${apiPort}`, token);
    await eventually(async () => expect(await client.get('/health').then((r) => r.status, () => 'no answer')).toBe(200), { timeoutMs: 120_000, intervalMs: 1000, what: 'the Compose deployment to be healthy' });
  });

  afterAll(async () => {
    if (compose) await composeRun('down', '-v').catch((e) => console.warn(`compose down: ${e.message}`));
    // Its labs' disks and cgroups, through its host helper, before the helper goes with the rest.
    await removeLabResources(instance);
    await removeInstance(instance);
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a lab from request to clean-up, and serves the ports it publishes through the API container', async () => {
    const created = await client.post('/api/v1/labs', { template: 'docker' });
    expect(created.status).toBe(202);
    const lab = await client.waitForLab(created.body.id, [LabStatus.Ready, LabStatus.Failed], 120_000);
    expect(lab.status).toBe('ready');
    // nginx comes from the mirror the worker fills beside its jobs; the node publishes it on 8080.
    await client.waitForMirror();
    expect(await client.sh(lab.id, 'docker run -d -p 8080:80 nginx', 120)).toMatchObject({ exitCode: 0 });
    await eventually(async () => expect((await client.sh(lab.id, 'curl -sf localhost:8080 >/dev/null')).exitCode).toBe(0), { intervalMs: 200, what: 'nginx to answer in the lab' });
    const page = await fetch(`${client.baseUrl}/labs/${lab.id}/ports/8080/`, { headers: { authorization: `Bearer ${token}` } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Welcome to nginx');
    const closed = await fetch(`${client.baseUrl}/labs/${lab.id}/ports/8090/`, { headers: { authorization: `Bearer ${token}` } });
    expect(closed.status).toBe(502);
    expect(((await closed.json()) as { message: string }).message).toMatch(/port 8090 does not answer: Connection refused/);

    await client.delete(`/api/v1/labs/${lab.id}`);
    expect((await client.waitForLab(lab.id, [LabStatus.Stopped], 60_000)).status).toBe('stopped');
    const left = await docker.listContainers({ all: true, filters: { label: [`labfleet.instance=${instance}`, `labfleet.lab-id=${lab.id}`] } });
    expect(left).toEqual([]);
  });
});
