import { LabStatus } from '@labfleet/contracts';
import { randomBytes } from 'node:crypto';
import { docker, LabfleetStack, NO_RESOURCES, TenantBuilder } from '@labfleet/testing';

jest.setTimeout(120_000);

describe('a lab over REST, from request to clean-up (real Postgres, Redis, Docker)', () => {
  let stack: LabfleetStack;

  beforeAll(async () => {
    stack = await LabfleetStack.start({ TEMPLATES_FILE: 'apps/api/test/fixtures/short-ttl-templates.json' });
  });
  afterAll(() => stack?.stop());

  it('lists the templates seeded from the file', async () => {
    const { status, body } = await stack.client.get('/api/v1/templates');
    expect(status).toBe(200);
    expect(body.map((t: { name: string }) => t.name)).toEqual(['brief', 'docker']);
    expect(body[1]).toMatchObject({ cpus: 1, memoryMb: 1024, pidsLimit: 512, ttlSeconds: 7200, nodes: 1, images: ['debian:bookworm-slim', 'nginx:latest'] });
  });

  it('moves pending → provisioning → ready, records every step, runs commands, and stops without leftovers', async () => {
    const created = await stack.client.post('/api/v1/labs', { template: 'docker' });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ status: 'pending', template: 'docker', readyAt: null, nodes: [] });
    const id = created.body.id;
    expect(new Date(created.body.expiresAt).getTime() - new Date(created.body.createdAt).getTime()).toBe(7200 * 1000);

    const ready = await stack.client.waitForLab(id, [LabStatus.Ready, LabStatus.Failed]);
    expect(ready).toMatchObject({ status: 'ready', failureReason: null, nodes: [{ name: 'node1', hostname: 'node1' }] });
    expect(ready.readyAt).not.toBeNull();

    const ps = await stack.client.exec(id, ['docker', 'ps']);
    expect(ps).toMatchObject({ exitCode: 0, stderr: '', truncated: false, timedOut: false });
    expect(ps.stdout).toMatch(/CONTAINER ID/);

    const resources = await stack.instance.resources(id);
    expect(resources.containers).toHaveLength(1);
    expect(resources.networks).toHaveLength(1);
    // Its disk is a file system image of the template's size on the host, not a Docker volume.
    expect(resources.volumes).toHaveLength(0);
    expect(resources.disks).toEqual([`${id}-node1.img`]);
    const inspected = await docker.getContainer(resources.containers[0].slice(1)).inspect();
    expect(inspected.Config.Labels).toMatchObject({ 'labfleet.managed': 'true', 'labfleet.lab-id': id });

    const stopping = await stack.client.delete(`/api/v1/labs/${id}`);
    expect(stopping.status).toBe(202);
    expect(['stopping', 'stopped']).toContain(stopping.body.status);
    const stopped = await stack.client.waitForLab(id, [LabStatus.Stopped]);
    expect(stopped.endedAt).not.toBeNull();
    expect(await stack.instance.resources(id)).toEqual(NO_RESOURCES);

    const events = await stack.client.get(`/api/v1/labs/${id}/events`);
    expect(events.body.map((e: { from: string | null; to: string }) => [e.from, e.to])).toEqual([
      [null, 'pending'],
      ['pending', 'provisioning'],
      ['provisioning', 'ready'],
      ['ready', 'stopping'],
      ['stopping', 'stopped'],
    ]);
    expect(events.body.map((e: { actor: string }) => e.actor)).toEqual(['admin-token', 'worker', 'worker', 'admin-token', 'worker']);

    const again = await stack.client.delete(`/api/v1/labs/${id}`);
    expect(again).toMatchObject({ status: 202, body: { status: 'stopped' } });
  });

  it('expires a lab at its expiresAt through the delayed job, with the same clean-up', async () => {
    const { body } = await stack.client.post('/api/v1/labs', { template: 'brief' });
    await stack.client.waitForLab(body.id, [LabStatus.Ready]);
    const stopped = await stack.client.waitForLab(body.id, [LabStatus.Stopped], 60_000);
    expect(new Date(stopped.endedAt).getTime()).toBeGreaterThanOrEqual(new Date(body.expiresAt).getTime());
    const events = await stack.client.get(`/api/v1/labs/${body.id}/events`);
    expect(events.body.find((e: { to: string }) => e.to === 'stopping').actor).toBe('expiry');
    expect(await stack.instance.resources(body.id)).toEqual(NO_RESOURCES);
  });

  it('lists labs newest first, filtered by status and paginated', async () => {
    // A course of its own: the lists below hold this test's labs only.
    const t = new TenantBuilder(stack.client);
    const course = await t.course((await t.school(`list-${randomBytes(3).toString('hex')}`)).id, 'Listing', { labsPerStudent: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await stack.client.post('/api/v1/labs', { course: course.id, template: 'docker' })).body.id);
    for (const id of ids) await stack.client.waitForLab(id, [LabStatus.Ready]);
    await stack.client.delete(`/api/v1/labs/${ids[0]}`);
    await stack.client.waitForLab(ids[0], [LabStatus.Stopped]);

    const ready = await stack.client.get(`/api/v1/labs?course=${course.id}&status=ready&limit=10`);
    expect(ready.body.items.map((l: { id: string }) => l.id)).toEqual([ids[2], ids[1]]);
    expect(ready.body.total).toBe(2);

    const page = await stack.client.get(`/api/v1/labs?course=${course.id}&limit=1&offset=1&status=ready,stopped`);
    expect(page.body).toMatchObject({ total: 3, limit: 1, offset: 1 });
    expect(page.body.items.map((l: { id: string }) => l.id)).toEqual([ids[1]]);

    for (const id of ids.slice(1)) await stack.client.delete(`/api/v1/labs/${id}`);
    for (const id of ids.slice(1)) await stack.client.waitForLab(id, [LabStatus.Stopped]);
  });
});
