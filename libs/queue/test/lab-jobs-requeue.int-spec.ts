import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { randomBytes, randomUUID } from 'node:crypto';
import { createRedisConnection, JOB_QUEUE, JobName, LabJobsService, QueueName, QueueSet } from '../src';
import { eventually, testConfig, removeRedisKeys } from '@labfleet/testing';

const REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Found by the chaos suite: a lab job whose attempts all failed while a dependency was down (the
 * engine restarting, Postgres killed) stays in BullMQ's failed set under its job id. Reconcile's
 * re-queue of the lab (same job id) was then dropped as a duplicate, and the lab stayed in
 * `provisioning` or `stopping` for good.
 */
describe('LabJobsService re-queues a lab whose job failed for good (real Redis)', () => {
  const instance = `t${randomBytes(4).toString('hex')}`;
  const config = testConfig(instance, { REDIS_URL, REDIS_KEY_PREFIX: instance });
  const connection = createRedisConnection(REDIS_URL, 'producer');
  const queues: QueueSet = { connection, byName: new Map(Object.values(QueueName).map((name) => [name, new Queue(name, { connection, prefix: instance })])) };
  const jobs = new LabJobsService(queues, config);

  afterAll(async () => {
    await removeRedisKeys(instance);
    await jobs.onModuleDestroy();
  });

  /** Runs the lab's job once in a worker that fails it for good, as a last attempt does. */
  async function failForGood(job: JobName.ProvisionLab | JobName.DestroyLab, labId: string): Promise<void> {
    const worker = new Worker(JOB_QUEUE[job], async () => {
      throw new UnrecoverableError('docker is unavailable');
    }, { connection: { url: REDIS_URL, maxRetriesPerRequest: null }, prefix: instance });
    try {
      await eventually(async () => expect(await queues.byName.get(JOB_QUEUE[job])!.getJobState(`${job}-${labId}`)).toBe('failed'), { what: `the ${job} job of lab ${labId} to fail` });
    } finally {
      await worker.close();
    }
  }

  it.each([
    [JobName.ProvisionLab, (id: string) => jobs.provision(id)],
    [JobName.DestroyLab, (id: string) => jobs.destroy(id)],
  ] as const)('%s: the re-queue replaces the failed job with a new one', async (job, enqueue) => {
    const labId = randomUUID();
    await enqueue(labId);
    await failForGood(job, labId);
    await enqueue(labId); // what reconcile does for a lab left in provisioning or stopping
    expect(await queues.byName.get(JOB_QUEUE[job])!.getJobState(`${job}-${labId}`)).toMatch(/^(waiting|prioritized)$/);
  });
});
