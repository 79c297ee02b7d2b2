import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { hostHelperName, labDiskDir, runExec } from '@labfleet/provider-docker';
import { LabStatus } from '@labfleet/contracts';
import { docker, LabfleetStack, TEST_LAB_IMAGE, testConfig } from '@labfleet/testing';

jest.setTimeout(180_000);

describe('workers can crash: idempotent jobs and reconcile keep Postgres and Docker in agreement', () => {
  let stack: LabfleetStack;

  beforeAll(async () => {
    stack = await LabfleetStack.start({ RECONCILE_INTERVAL_SECONDS: '2' });
  });
  afterAll(() => stack?.stop());

  const eventsOf = async (id: string) => (await stack.client.get(`/api/v1/labs/${id}/events`)).body.map((e: any) => `${e.from}>${e.to}`);

  it('a worker SIGKILLed mid-provision: another finishes the lab with exactly one container', async () => {
    const { body } = await stack.client.post('/api/v1/labs', { template: 'docker' });
    for (;;) {
      if ((await stack.instance.resources(body.id)).containers.length > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((await stack.client.get(`/api/v1/labs/${body.id}`)).body.status).toBe('provisioning');
    await stack.workers[0].stop('SIGKILL');
    await stack.startWorker();
    const ready = await stack.client.waitForLab(body.id, [LabStatus.Ready, LabStatus.Failed], 60_000);
    expect(ready.status).toBe('ready');
    expect((await stack.instance.resources(body.id)).containers).toHaveLength(1);
    expect(await eventsOf(body.id)).toEqual(['null>pending', 'pending>provisioning', 'provisioning>ready']);
    expect((await stack.client.exec(body.id, ['docker', 'info', '--format', 'ok'])).stdout.trim()).toBe('ok');
  });

  it('the same provision job delivered again makes nothing new', async () => {
    const lab = (await stack.client.get('/api/v1/labs?status=ready')).body.items[0];
    const before = await stack.instance.resources(lab.id);
    const queue = new Queue('lab-lifecycle', { connection: { host: '127.0.0.1', port: 6379 }, prefix: stack.instance.instance });
    await queue.add('provision-lab', { labId: lab.id }, { jobId: `replay-${randomUUID()}` });
    await queue.add('provision-lab', { labId: lab.id }, { jobId: `replay-${randomUUID()}` });
    await new Promise((r) => setTimeout(r, 2000));
    await queue.close();
    expect(await stack.instance.resources(lab.id)).toEqual(before);
    expect(await eventsOf(lab.id)).toEqual(['null>pending', 'pending>provisioning', 'provisioning>ready']);
  });

  it('a restarted worker adopts ready labs', async () => {
    const lab = (await stack.client.get('/api/v1/labs?status=ready')).body.items[0];
    const before = await stack.instance.resources(lab.id);
    await stack.workers[stack.workers.length - 1].stop('SIGTERM');
    const worker = await stack.startWorker();
    expect(worker.logs).toMatch(/"startup reconcile done","adopt":1/);
    expect((await stack.client.get(`/api/v1/labs/${lab.id}`)).body.status).toBe('ready');
    expect(await stack.instance.resources(lab.id)).toEqual(before);
  });

  it('reconcile removes labelled resources that have no live lab', async () => {
    const orphan = randomUUID();
    const labels = { 'labfleet.managed': 'true', 'labfleet.instance': stack.instance.instance, 'labfleet.role': 'lab', 'labfleet.lab-id': orphan };
    await docker.createVolume({ Name: `orphan-${orphan}`, Labels: labels });
    const c = await docker.createContainer({ Image: TEST_LAB_IMAGE, Entrypoint: ['sleep', '300'], Labels: labels, name: `orphan-${orphan}` });
    await c.start();
    // A disk left by a worker that died between making it and starting the node.
    const helper = docker.getContainer(hostHelperName(stack.instance.instance));
    const diskDir = labDiskDir(testConfig(stack.instance.instance).provider.disk.dir, stack.instance.instance);
    const disk = await runExec(helper, docker.modem, { command: ['labfleet-host', 'disk', diskDir, '64', '100000', `${orphan}-node1`], timeoutMs: 30_000, outputLimitBytes: 4096 });
    expect(disk.exitCode).toBe(0);
    expect((await stack.instance.resources(orphan)).disks).toEqual([`${orphan}-node1.img`]);
    const started = Date.now();
    while (Object.values(await stack.instance.resources(orphan)).some((r) => r.length > 0)) {
      if (Date.now() - started > 20_000) throw new Error('orphan not removed');
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  it('reconcile fails a lab whose container vanished, with a reason, and keeps its record', async () => {
    const { body } = await stack.client.post('/api/v1/labs', { template: 'docker' });
    await stack.client.waitForLab(body.id, [LabStatus.Ready]);
    const [name] = (await stack.instance.resources(body.id)).containers;
    await docker.getContainer(name.slice(1)).remove({ force: true, v: true });
    const failed = await stack.client.waitForLab(body.id, [LabStatus.Failed], 20_000);
    expect(failed.failureReason).toBe('the lab container disappeared');
    expect((await eventsOf(body.id)).pop()).toBe('ready>failed');
    // The clean-up follows the state change: give it a moment.
    const started = Date.now();
    while (Object.values(await stack.instance.resources(body.id)).some((r) => r.length > 0)) {
      if (Date.now() - started > 10_000) throw new Error(JSON.stringify(await stack.instance.resources(body.id)));
      await new Promise((r) => setTimeout(r, 100));
    }
  });
});
