import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import { LabfleetConfig } from '@labfleet/config';
import { DependencyUnavailableError, withTimeout } from '@labfleet/domain';
import { JobName, JOB_QUEUE } from './job-name.enum';
import { labJobOptions } from './job-options';
import { QUEUES, QueueSet } from './queue.tokens';

/** Enqueues lab jobs. Any Redis failure surfaces as `DependencyUnavailableError('redis')`. */
@Injectable()
export class LabJobsService implements OnModuleDestroy {
  constructor(
    @Inject(QUEUES) private readonly queues: QueueSet,
    private readonly config: LabfleetConfig,
  ) {}

  provision(labId: string): Promise<void> {
    return this.add(JobName.ProvisionLab, labId);
  }

  destroy(labId: string): Promise<void> {
    return this.add(JobName.DestroyLab, labId);
  }

  /** Schedules the lab's expiry, replacing any earlier schedule (an extended lab). */
  async expireAt(labId: string, at: Date): Promise<void> {
    const queue = this.queueOf(JobName.ExpireLab);
    await this.guard(async () => {
      await queue.remove(labJobOptions(JobName.ExpireLab, labId, this.config.jobs).jobId!);
      await queue.add(JobName.ExpireLab, { labId }, labJobOptions(JobName.ExpireLab, labId, this.config.jobs, at.getTime() - Date.now()));
    });
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
    return this.guard(async () => {
      await this.queueOf(job).add(job, { labId }, labJobOptions(job, labId, this.config.jobs));
    });
  }

  private queueOf(job: JobName): Queue {
    return this.queues.byName.get(JOB_QUEUE[job])!;
  }

  private async guard(fn: () => Promise<void>): Promise<void> {
    try {
      await withTimeout(fn(), 1000);
    } catch (e) {
      throw new DependencyUnavailableError('redis', e instanceof Error ? e.message : String(e));
    }
  }
}
