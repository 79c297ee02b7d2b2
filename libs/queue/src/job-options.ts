import { JobsOptions } from 'bullmq';
import { JobName } from './job-name.enum';

/** BullMQ priorities (lower runs first): someone waiting for a lab goes before a pool refill. */
export enum JobPriority {
  Student = 1,
  Pool = 10,
}

/** Jobs on the whole platform rather than one lab: one at a time, a request while queued is merged. */
export function platformJobOptions(job: JobName): JobsOptions {
  return { jobId: job, removeOnComplete: true, removeOnFail: 100 };
}

/** A platform job `delayMs` from now; while it waits, asking again replaces it and restarts the delay. */
export function debouncedPlatformJobOptions(job: JobName, delayMs: number): JobsOptions {
  return { delay: delayMs, deduplication: { id: job, ttl: delayMs, extend: true, replace: true }, removeOnComplete: true, removeOnFail: 100 };
}

export interface RetryPolicy {
  readonly attempts: number;
  readonly backoffMs: number;
}

/**
 * All job options in one place. `jobId` = `<job>-<labId>` de-duplicates: the same lab never has
 * two provision jobs queued. Finished jobs are dropped so a later re-queue (reconcile) is accepted.
 */
export function labJobOptions(job: JobName, labId: string, retry: RetryPolicy, delayMs = 0, priority?: JobPriority): JobsOptions {
  return {
    jobId: `${job}-${labId}`,
    ...(priority ? { priority } : {}),
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs },
    delay: Math.max(0, delayMs),
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/**
 * The lab's expiry at `at`. One job per lab and time, never replaced: an earlier or stale one
 * finds the lab extended or ended and does nothing, so a new expiry is one add, with no removal.
 */
export function expiryJobOptions(labId: string, at: Date, retry: RetryPolicy): JobsOptions {
  return { ...labJobOptions(JobName.ExpireLab, labId, retry, at.getTime() - Date.now()), jobId: `${JobName.ExpireLab}-${labId}-${at.getTime()}` };
}

/** One job per template version: saving the same version twice pushes once; a failed push is retried. */
export function templateJobOptions(job: JobName, templateId: string, version: number, retry: RetryPolicy): JobsOptions {
  return { ...labJobOptions(job, templateId, retry), jobId: `${job}-${templateId}-${version}` };
}
