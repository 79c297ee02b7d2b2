import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import type IORedis from 'ioredis';
import { hostname } from 'node:os';
import { LabfleetConfig, labSecurityWarnings } from '@labfleet/config';
import { AdmissionService, CourseRegistryService, IdleCullerService, LabLifecycleService, MirrorWarmupService, PoolService, ReconcilerService, TemplateCatalogService } from '@labfleet/lab-lifecycle';
import { createRedisConnection, JOB_QUEUE, JobName, QueueName, QUEUES, QueueSet } from '@labfleet/queue';
import { JobHandler, jobHandlers, JobHandlers } from './job-handlers';

/** Starts one BullMQ worker per queue, after checking Redis, seeding templates and a first reconcile. */
@Injectable()
export class LabWorkersService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Worker');
  private readonly workers: Worker[] = [];
  private connection?: IORedis;
  private readonly handlers: JobHandlers;

  constructor(
    private readonly config: LabfleetConfig,
    private readonly catalog: TemplateCatalogService,
    private readonly warmup: MirrorWarmupService,
    private readonly reconciler: ReconcilerService,
    @Inject(QUEUES) private readonly queues: QueueSet,
    lifecycle: LabLifecycleService,
    pools: PoolService,
    admission: AdmissionService,
    private readonly courseRegistry: CourseRegistryService,
    idle: IdleCullerService,
  ) {
    this.handlers = jobHandlers({ lifecycle, reconciler, pools, admission, courseRegistry, idle, catalog });
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const warning of labSecurityWarnings(this.config)) this.logger.warn({ msg: 'lab security', warning });
    this.connection = createRedisConnection(this.config.redis.url, 'worker');
    await this.assertNoEviction(this.connection);
    const seedOrder = await this.catalog.seed();
    // Beside the jobs, not before them: pushing every image takes tens of seconds, and a lab
    // being made pushes its own first. /health says how far it is.
    void this.warmup.run(seedOrder).catch((e: Error) => this.logger.warn({ msg: 'mirror warm-up stopped', error: e.message }));
    // Labs made before it runs would have no registry: the worker starts it before taking jobs.
    await this.courseRegistry.start().catch((e: Error) => this.logger.warn({ msg: 'course registry not started; labs wait for it', error: e.message }));
    const summary = await this.reconciler.run();
    this.logger.log({ msg: 'startup reconcile done', ...summary });
    await this.schedule(JobName.Reconcile, this.config.jobs.reconcileIntervalSeconds);
    // The pool tick: timetables move targets with the clock, and capacity frees up as labs end.
    await this.schedule(JobName.RefillPools, this.config.pool.tickSeconds);
    await this.schedule(JobName.AdmitWaiting, this.config.pool.tickSeconds);
    await this.schedule(JobName.CullIdle, this.config.idle.checkSeconds);
    // Across every worker process: a classroom rush does not make more labs at once than this.
    await this.queues.byName.get(QueueName.LabProvision)!.setGlobalConcurrency(this.config.pool.provisionConcurrency);
    for (const name of Object.values(QueueName)) {
      const worker = new Worker(name, (job, token) => this.dispatch(job, token), {
        connection: this.connection,
        prefix: this.config.redis.keyPrefix,
        // A job names the process running it (BullMQ's processedBy): which worker holds what is visible.
        name: `${hostname()}:${process.pid}`,
        concurrency: this.concurrencyOf(name),
        lockDuration: this.config.jobs.lockMs,
        stalledInterval: this.config.jobs.lockMs,
        maxStalledCount: 3,
      });
      worker.on('failed', (job, error) => this.logger.warn({ msg: 'job failed', job: job?.name, labId: job?.data?.labId, attempt: job?.attemptsMade, error: error.message }));
      worker.on('error', (error) => this.logger.error({ msg: 'worker error', queue: name, error: error.message }));
      this.workers.push(worker);
    }
    this.logger.log({ msg: 'worker started', queues: Object.values(QueueName), concurrency: this.config.jobs.concurrency });
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await this.connection?.quit().catch(() => undefined);
  }

  private concurrencyOf(queue: QueueName): number {
    switch (queue) {
      case QueueName.Maintenance:
        return 1;
      case QueueName.LabProvision:
        return this.config.pool.provisionConcurrency;
      case QueueName.LabLifecycle:
        return this.config.jobs.concurrency;
    }
  }

  private async schedule(job: JobName.Reconcile | JobName.RefillPools | JobName.AdmitWaiting | JobName.CullIdle, everySeconds: number): Promise<void> {
    await this.queues.byName.get(JOB_QUEUE[job])!.upsertJobScheduler(job, { every: everySeconds * 1000 }, { name: job, data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } });
  }

  private dispatch(job: Job, token?: string): Promise<unknown> {
    const handler = this.handlers[job.name as JobName] as JobHandler<JobName> | undefined;
    if (!handler) throw new Error(`no handler for job '${job.name}'`);
    return handler(job.data, job, token);
  }

  /** BullMQ loses jobs if Redis may evict keys: refuse to run on such a Redis. */
  private async assertNoEviction(redis: IORedis): Promise<void> {
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];
    if (policy !== 'noeviction') {
      throw new Error(`Redis maxmemory-policy is '${policy}'; Labfleet needs 'noeviction' (set it in redis.conf or with CONFIG SET)`);
    }
  }
}
