import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import { LabfleetConfig } from '@labfleet/config';
import { Batcher } from '@labfleet/domain';
import { JobName, JOB_QUEUE } from './job-name.enum';
import { debouncedPlatformJobOptions, expiryJobOptions, JobPriority, labJobOptions, platformJobOptions, templateJobOptions } from './job-options';
import { QUEUES, QueueSet } from './queue.tokens';
import { redisCall } from './redis-guard';

/** Enqueues lab jobs. Any Redis failure surfaces as `DependencyUnavailableError('redis')`. */
@Injectable()
export class LabJobsService implements OnModuleDestroy {
  private refillAskedAt = 0;
  private readonly expiries = new Batcher<{ labId: string; at: Date }, void>(async (asks) => {
    const jobs = asks.map(({ labId, at }) => ({ name: JobName.ExpireLab, data: { labId }, opts: expiryJobOptions(labId, at, this.config.jobs) }));
    await this.guard(async () => {
      await this.queueOf(JobName.ExpireLab).addBulk(jobs);
    });
    return asks.map(() => ({ ok: true, value: undefined }));
  });

  constructor(
    @Inject(QUEUES) private readonly queues: QueueSet,
    private readonly config: LabfleetConfig,
  ) {}

  provision(labId: string, priority: JobPriority = JobPriority.Student): Promise<void> {
    return this.guard(() => this.addLabJob(JobName.ProvisionLab, labId, labJobOptions(JobName.ProvisionLab, labId, this.config.jobs, 0, priority)));
  }

  /** Asks for a platform-wide pass (pool refill, admission, registry purge); one already queued covers it. */
  platform(job: JobName.RefillPools | JobName.AdmitWaiting | JobName.PurgeCourseRegistry): Promise<void> {
    return this.guard(async () => {
      await this.queueOf(job).add(job, {}, platformJobOptions(job));
    });
  }

  /**
   * Asks for a pool refill at least `delayMs` after the last ask. Asked again meanwhile, the one
   * refill moves later (BullMQ's debounce): a rush of claims ends in one refill after the last of them.
   */
  refillPoolsAfter(delayMs: number): Promise<void> {
    // Asks within a quarter of the wait are not sent (a rush pays for one, not thirty); the delay
    // sent covers them, so the refill never comes before the quiet time the pool plan waits for.
    const skipped = delayMs / 4;
    const now = Date.now();
    if (now - this.refillAskedAt < skipped) return Promise.resolve();
    this.refillAskedAt = now;
    return this.guard(async () => {
      await this.queueOf(JobName.RefillPools).add(JobName.RefillPools, {}, debouncedPlatformJobOptions(JobName.RefillPools, delayMs + skipped));
    }).catch((e) => {
      this.refillAskedAt = 0;
      throw e;
    });
  }

  /** Asks the worker to put the images of this version of a template in the mirror. */
  prepareTemplateImages(templateId: string, version: number): Promise<void> {
    return this.guard(async () => {
      const job = JobName.PrepareTemplateImages;
      await this.queueOf(job).add(job, { templateId }, templateJobOptions(job, templateId, version, this.config.jobs));
    });
  }

  destroy(labId: string): Promise<void> {
    return this.add(JobName.DestroyLab, labId);
  }

  /**
   * Schedules the lab's expiry at `at` (see `expiryJobOptions`). Expiries asked for together, as in
   * a classroom rush, go to Redis in one round trip.
   */
  expireAt(labId: string, at: Date): Promise<void> {
    return this.expiries.submit({ labId, at });
  }

  async ping(): Promise<void> {
    await this.guard(async () => {
      await this.queues.connection.ping();
    });
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.queues.byName.values()].map((q) => q.close()));
    await this.queues.connection.quit().catch(() => undefined);
  }

  private add(job: JobName, labId: string): Promise<void> {
    return this.guard(() => this.addLabJob(job, labId, labJobOptions(job, labId, this.config.jobs)));
  }

  /**
   * Adds a lab's job under its fixed id. A job of that id that failed for good (its attempts used
   * up while the engine or Postgres was down) is removed first: BullMQ keeps it a week and would
   * drop the new one as a duplicate, and reconcile's re-queue would leave the lab where it is.
   */
  private async addLabJob(job: JobName, labId: string, opts: JobsOptions): Promise<void> {
    const queue = this.queueOf(job);
    if ((await queue.getJobState(opts.jobId!)) === 'failed') await queue.remove(opts.jobId!);
    await queue.add(job, { labId }, opts);
  }

  private queueOf(job: JobName): Queue {
    return this.queues.byName.get(JOB_QUEUE[job])!;
  }

  private guard(fn: () => Promise<void>): Promise<void> {
    return redisCall(fn);
  }
}
