import { JobsOptions } from 'bullmq';
import { JobName } from './job-name.enum';

export interface RetryPolicy {
  readonly attempts: number;
  readonly backoffMs: number;
}

/**
 * All job options in one place. `jobId` = `<job>-<labId>` de-duplicates: the same lab never has
 * two provision jobs queued. Finished jobs are dropped so a later re-queue (reconcile) is accepted.
 */
export function labJobOptions(job: JobName, labId: string, retry: RetryPolicy, delayMs = 0): JobsOptions {
  return {
    jobId: `${job}-${labId}`,
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs },
    delay: Math.max(0, delayMs),
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}
