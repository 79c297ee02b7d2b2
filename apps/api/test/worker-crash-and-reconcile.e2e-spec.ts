import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabStatus } from '@labfleet/contracts';
import { inLab } from '@labfleet/domain';
import { hostHelperName, labContainerName, labDiskDir, runExec } from '@labfleet/provider-docker';
import { JOB_QUEUE, JobName } from '@labfleet/queue';
import { docker, eventually, LabfleetProcess, LabfleetStack, NO_RESOURCES, TEST_LAB_IMAGE, testConfig } from '@labfleet/testing';

jest.setTimeout(180_000);

/** Inside a `gated` lab, the file its set-up step waits for: the lab cannot get ready before the test creates it. */
const GATE = '/tmp/crash-test-gate';

/** The seed templates plus `gated`, whose set-up holds its provision job in the worker until the gate opens. */
function templatesWithGated(): string {
  const seed = JSON.parse(readFileSync('deploy/templates.json', 'utf8'));
  const gated = {
    name: 'gated',
    description: 'set-up waits for the test',
    nodes: 1,
    cpus: 0.5,
    memoryMb: 512,
    pidsLimit: 512,
    ttlSeconds: 3600,
    reservedCpus: 0.05,
    reservedMemoryMb: 64,
    images: [],
    setup: [{ node: 'node1', run: `until [ -e ${GATE} ]; do sleep 0.1; done` }],
  };
  const file = join(mkdtempSync(join(tmpdir(), 'labfleet-templates-')), 'templates.json');
  writeFileSync(file, JSON.stringify({ templates: [...seed.templates, gated] }));
  return file;
}

describe('workers can crash: idempotent jobs and reconcile keep Postgres and Docker in agreement', () => {
  let stack: LabfleetStack;
  /** The queue production provisions on, as the API fills it and the workers take from it. */
  let provisions: Queue;
  const templates = templatesWithGated();

  beforeAll(async () => {
    stack = await LabfleetStack.start({ TEMPLATES_FILE: templates, RECONCILE_INTERVAL_SECONDS: '2' });
    provisions = new Queue(JOB_QUEUE[JobName.ProvisionLab], { connection: { host: '127.0.0.1', port: 6379 }, prefix: stack.instance.instance });
  });
  afterAll(async () => {
    await provisions?.close();
    await stack?.stop();
    rmSync(templates, { force: true });
  });

  const eventsOf = async (id: string) => (await stack.client.get(`/api/v1/labs/${id}/events`)).body.map((e: any) => `${e.from}>${e.to}`);
  const statusOf = async (id: string) => (await stack.client.get(`/api/v1/labs/${id}`)).body.status;
  /** The name a worker process gives itself in BullMQ (host and pid), which a job it runs carries. */
  const workerName = (worker: LabfleetProcess) => `${hostname()}:${worker.pid}`;
  const liveWorkers = () => stack.workers.filter((w) => w.running);
  const newLab = async (template = 'docker') => {
    const { status, body } = await stack.client.post('/api/v1/labs', { template });
    expect(status).toBe(202);
    return body.id as string;
  };
  /** Labs that own something on the engine (by label), whatever their state in Postgres. */
  const labsOnEngine = async () => {
    const filters = { label: [`labfleet.instance=${stack.instance.instance}`, 'labfleet.role=lab'] };
    const [containers, networks, volumes] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listNetworks({ filters }), docker.listVolumes({ filters })]);
    return new Set([...containers, ...networks, ...(volumes.Volumes ?? [])].map((r) => r.Labels?.['labfleet.lab-id']));
  };

  it('a worker SIGKILLed while it runs a lab’s provision job: a second worker finishes it, once, with one container and no orphan', async () => {
    const [first] = liveWorkers();
    const id = await newLab('gated');
    const jobId = `${JobName.ProvisionLab}-${id}`;
    // The first worker holds the job: BullMQ has it active under that worker's name, the lab is being made.
    await eventually(
      async () => {
        const job = await provisions.getJob(jobId);
        expect([await job?.getState(), job?.processedBy]).toEqual(['active', workerName(first)]);
        expect(await statusOf(id)).toBe('provisioning');
        expect((await stack.instance.resources(id)).containers).toHaveLength(1);
      },
      { what: `the provision job of lab ${id} to run in worker ${workerName(first)}` },
    );

    await first.stop('SIGKILL');
    expect(first.exitSignal).toBe('SIGKILL');
    expect(liveWorkers()).toEqual([]);
    expect(first.logs).not.toMatch(new RegExp(`"lab ready","labId":"${id}"`));
    expect(await statusOf(id)).toBe('provisioning');

    const second = await stack.startWorker();
    // The dead worker's lock lapses (JOB_LOCK_MS) and BullMQ hands the stalled job to the second one.
    await eventually(
      async () => {
        const job = await provisions.getJob(jobId);
        expect([await job?.getState(), job?.processedBy]).toEqual(['active', workerName(second)]);
      },
      { what: `the provision job of lab ${id} to move to worker ${workerName(second)}` },
    );
    const gate = await runExec(docker.getContainer(labContainerName(stack.instance.instance, id, 'node1')), docker.modem, { runner: inLab([]), command: ['touch', GATE], timeoutMs: 10_000, outputLimitBytes: 4096 });
    expect(gate.exitCode).toBe(0);

    const ready = await stack.client.waitForLab(id, [LabStatus.Ready, LabStatus.Failed]);
    expect(ready.status).toBe('ready');
    await second.waitForLog(new RegExp(`"lab ready","labId":"${id}"`));
    expect(await eventsOf(id)).toEqual(['null>pending', 'pending>provisioning', 'provisioning>ready']);
    const resources = await stack.instance.resources(id);
    expect([resources.containers, resources.networks, resources.disks].map((r) => r.length)).toEqual([1, 1, 1]);
    // Nothing on the engine belongs to a lab that is not live.
    const live = new Set((await stack.client.get('/api/v1/labs?status=pending,provisioning,ready&limit=100')).body.items.map((l: { id: string }) => l.id));
    expect([...(await labsOnEngine())].filter((lab) => !live.has(lab))).toEqual([]);
    expect((await stack.client.exec(id, ['docker', 'info', '--format', 'ok'])).stdout.trim()).toBe('ok');
  });

  it('the provision job of a ready lab, delivered again on the real queue, is run and makes nothing new', async () => {
    const id = await newLab();
    await stack.client.waitForLab(id, [LabStatus.Ready]);
    const before = await stack.instance.resources(id);
    const events = await eventsOf(id);
    // Two more deliveries, one after the other, as a retry or reconcile's re-queue would bring them.
    for (const replay of [1, 2]) {
      const job = await provisions.add(JobName.ProvisionLab, { labId: id }, { jobId: `replay-${replay}-${id}` });
      await eventually(async () => expect(await job.getState()).toBe('completed'), { what: `replayed provision job ${replay} of lab ${id} to be run` });
    }
    const skipped = liveWorkers().flatMap((w) => w.logs.match(new RegExp(`"provision skipped","labId":"${id}","status":"ready"`, 'g')) ?? []);
    expect(skipped).toHaveLength(2);
    expect(await stack.instance.resources(id)).toEqual(before);
    expect(await eventsOf(id)).toEqual(events);
  });

  it('a restarted worker adopts the ready labs and leaves them as they are', async () => {
    const id = await newLab();
    await stack.client.waitForLab(id, [LabStatus.Ready]);
    const before = await stack.instance.resources(id);
    for (const w of liveWorkers()) await w.stop('SIGTERM');
    const ready = (await stack.client.get('/api/v1/labs?status=ready&limit=100')).body.total;
    const worker = await stack.startWorker();
    expect(worker.logs).toMatch(new RegExp(`"startup reconcile done","adopt":${ready}[,}]`));
    expect(await statusOf(id)).toBe('ready');
    expect(await stack.instance.resources(id)).toEqual(before);
  });

  it('reconcile removes labelled resources that have no live lab', async () => {
    const orphan = randomUUID();
    const labels = { 'labfleet.managed': 'true', 'labfleet.instance': stack.instance.instance, 'labfleet.role': 'lab', 'labfleet.lab-id': orphan };
    // No worker while the orphan is made: a reconcile pass (every 2 s) could take it half-made.
    for (const w of liveWorkers()) await w.stop('SIGTERM');
    await docker.createVolume({ Name: `orphan-${orphan}`, Labels: labels });
    const c = await docker.createContainer({ Image: TEST_LAB_IMAGE, Entrypoint: ['sleep', '300'], Labels: labels, name: `orphan-${orphan}` });
    await c.start();
    // A disk left by a worker that died between making it and starting the node.
    const helper = docker.getContainer(hostHelperName(stack.instance.instance));
    const diskDir = labDiskDir(testConfig(stack.instance.instance).provider.disk.dir, stack.instance.instance);
    const disk = await runExec(helper, docker.modem, { command: ['labfleet-host', 'disk', diskDir, '64', '100000', `${orphan}-node1`], timeoutMs: 30_000, outputLimitBytes: 4096 });
    expect(disk.exitCode).toBe(0);
    expect(await stack.instance.resources(orphan)).toMatchObject({ containers: [`/orphan-${orphan}`], volumes: [`orphan-${orphan}`], disks: [`${orphan}-node1.img`] });
    await stack.startWorker();
    await eventually(async () => expect(await stack.instance.resources(orphan)).toEqual(NO_RESOURCES), { what: 'reconcile to remove the orphan' });
  });

  it('reconcile fails a lab whose container vanished, with a reason, and keeps its record', async () => {
    const id = await newLab();
    await stack.client.waitForLab(id, [LabStatus.Ready]);
    const [name] = (await stack.instance.resources(id)).containers;
    await docker.getContainer(name.slice(1)).remove({ force: true, v: true });
    const failed = await stack.client.waitForLab(id, [LabStatus.Failed], 20_000);
    // A forced removal kills the container first: the worker's engine-event watch may see that die
    // (exit 137) before reconcile finds it gone; either names what happened.
    expect(failed.failureReason).toMatch(/^(the lab container disappeared|lab node node1 stopped \(exit code 137\))$/);
    expect((await eventsOf(id)).pop()).toBe('ready>failed');
    // The clean-up follows the state change.
    await eventually(async () => expect(await stack.instance.resources(id)).toEqual(NO_RESOURCES), { timeoutMs: 10_000, what: `the failed lab ${id} to be cleaned up` });
  });
});
