import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabStatus, MirrorWarmup } from '@labfleet/contracts';
import { docker, eventually, freePort, LabfleetStack } from '@labfleet/testing';

jest.setTimeout(900_000);

const template = (name: string, images: string[]) => ({ name, description: `${name} (mirror warm-up test)`, nodes: 1, cpus: 1, memoryMb: 1024, pidsLimit: 1024, ttlSeconds: 900, images });
/** Seeded first, so warmed first: big images (the curriculum and services stand-ins) that take minutes to push into an empty mirror. */
const BIG = ['postgres:16-alpine', 'wordpress:latest', 'mariadb:latest'];
const FIRST = 'nginx:latest';

/**
 * A worker starting with an empty image mirror serves labs at once (issue 17: a fast first lab):
 * the warm-up runs beside the jobs, a lab's own images go ahead of it, and `/health` says how far
 * it is. Its own mirror (empty), not the machine's shared test mirror (full).
 */
describe('the image mirror warm-up (real stack, empty mirror)', () => {
  const registry = `lfwarm${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'labfleet-warmup-'));
  let stack: LabfleetStack;
  let registryPort: number;

  const mirror = async (): Promise<MirrorWarmup> => (await stack.client.get('/health')).body.mirror;
  /** The repositories in the mirror, from its writer on loopback (what labs can pull). */
  const catalog = async (): Promise<string[]> => ((await (await fetch(`http://127.0.0.1:${registryPort}/v2/_catalog`)).json()) as { repositories: string[] }).repositories;

  beforeAll(async () => {
    for (const image of [...BIG, FIRST]) await docker.getImage(image).inspect();
    registryPort = await freePort();
    const file = join(dir, 'templates.json');
    writeFileSync(file, JSON.stringify({ templates: [template('big', BIG), template('first', [FIRST])] }));
    stack = await LabfleetStack.start({ TEMPLATES_FILE: file, REGISTRY_NAME: registry, REGISTRY_HOST_PORT: String(registryPort) }, 0);
  });

  afterAll(async () => {
    // The mirror first: the stack's lab networks cannot go while it is on them.
    for (const name of [registry, `${registry}-writer`]) await docker.getContainer(name).remove({ force: true }).catch(() => undefined);
    await stack?.stop();
    await docker.getVolume(`${registry}-data`).remove({ force: true }).catch(() => undefined);
    await docker.getNetwork(`${registry}-net`).remove().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a lab asked for right after the worker starts before the other templates\' images are in, its own image first, then reports done', async () => {
    await stack.startWorker({}, { warm: false });
    const created = await stack.client.post('/api/v1/labs', { template: 'first' });
    expect(created.status).toBe(202);
    const lab = await stack.client.waitForLab(created.body.id, [LabStatus.Ready, LabStatus.Failed], 180_000);
    expect(lab.status).toBe('ready');

    // Ready while the warm-up still runs: the big template's images are not all in the mirror.
    const atReady = await mirror();
    expect(atReady).toMatchObject({ warming: true, images: { total: 4 }, finishedAt: null });
    expect(atReady.images.done).toBeLessThan(4);
    expect(BIG.some((image) => atReady.pending.includes(image))).toBe(true);
    const inMirror = await catalog();
    expect(BIG.filter((image) => !inMirror.includes(`library/${image.split(':')[0]}`)).length).toBeGreaterThan(0);

    // The lab's own image arrives ahead of the big ones seeded before it, and its daemon pulls it from the mirror.
    const ownArrived = await eventually(
      async () => {
        const now = await mirror();
        if (now.pending.includes(FIRST)) throw new Error(`still pending: ${now.pending.join(', ')}`);
        return now;
      },
      { timeoutMs: 300_000, intervalMs: 250, what: `${FIRST} in the mirror` },
    );
    expect(ownArrived.warming).toBe(true);
    expect(BIG.some((image) => ownArrived.pending.includes(image))).toBe(true);
    expect(await stack.client.sh(lab.id, `docker pull -q ${FIRST}`, 120)).toMatchObject({ exitCode: 0 });

    const done = await stack.client.waitForMirror(600_000);
    expect(done).toMatchObject({ warming: false, images: { done: 4, total: 4 }, pending: [], failed: [] });
    expect(done.finishedAt).not.toBeNull();
    expect(await catalog()).toEqual(expect.arrayContaining(['library/nginx', 'library/postgres', 'library/wordpress', 'library/mariadb']));
  });
});
