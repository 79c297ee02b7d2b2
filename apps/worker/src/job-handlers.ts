import { DelayedError, Job, UnrecoverableError } from 'bullmq';
import { AdmissionService, CourseRegistryService, IdleCullerService, LabFailedError, LabLifecycleService, PoolService, ReconcilerService, TemplateCatalogService } from '@labfleet/lab-lifecycle';
import { JobName, JobPayloads } from '@labfleet/queue';

export type JobHandler<N extends JobName> = (payload: JobPayloads[N], job: Job, token?: string) => Promise<unknown>;

/** One handler per job name: the compiler refuses a job with none, an object cannot hold two. */
export type JobHandlers = { [N in JobName]: JobHandler<N> };

const isFinalAttempt = (job: Job): boolean => job.attemptsMade + 1 >= (job.opts.attempts ?? 1);

export interface JobServices {
  readonly lifecycle: LabLifecycleService;
  readonly reconciler: ReconcilerService;
  readonly pools: PoolService;
  readonly admission: AdmissionService;
  readonly courseRegistry: CourseRegistryService;
  readonly idle: IdleCullerService;
  readonly catalog: TemplateCatalogService;
}

export function jobHandlers({ lifecycle, reconciler, pools, admission, courseRegistry, idle, catalog }: JobServices): JobHandlers {
  return {
    [JobName.ProvisionLab]: async ({ labId }, job, token) => {
      let outcome: Awaited<ReturnType<LabLifecycleService['provision']>>;
      try {
        outcome = await lifecycle.provision(labId, { final: isFinalAttempt(job) });
      } catch (e) {
        // The lab is already marked failed: retrying cannot help.
        if (e instanceof LabFailedError) throw new UnrecoverableError(e.message);
        throw e;
      }
      if (outcome) {
        // No room in the cluster yet: the same job comes back later, without using up an attempt.
        await job.moveToDelayed(Date.now() + outcome.waitMs, token);
        throw new DelayedError();
      }
    },
    [JobName.DestroyLab]: ({ labId }) => lifecycle.destroy(labId),
    [JobName.ExpireLab]: ({ labId }) => lifecycle.expire(labId),
    [JobName.Reconcile]: () => reconciler.run(),
    [JobName.RefillPools]: () => pools.refill(),
    [JobName.AdmitWaiting]: () => admission.admitWaiting(),
    [JobName.PurgeCourseRegistry]: () => courseRegistry.purgeRemovedCourses(),
    [JobName.CullIdle]: () => idle.run(),
    [JobName.PrepareTemplateImages]: ({ templateId }) => catalog.prepareImages(templateId),
  };
}
