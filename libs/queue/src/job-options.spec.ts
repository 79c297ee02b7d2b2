import { JobName } from './job-name.enum';
import { debouncedPlatformJobOptions, labJobOptions } from './job-options';

describe('labJobOptions', () => {
  it('de-duplicates on the job and lab id, with exponential retries', () => {
    expect(labJobOptions(JobName.ProvisionLab, 'abc', { attempts: 5, backoffMs: 1000 })).toMatchObject({
      jobId: 'provision-lab-abc',
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
      delay: 0,
      removeOnComplete: true,
    });
  });

  it('never schedules in the past', () => {
    expect(labJobOptions(JobName.ExpireLab, 'abc', { attempts: 1, backoffMs: 1 }, -5000).delay).toBe(0);
  });
});

describe('debouncedPlatformJobOptions', () => {
  it('debounces a delayed platform job: one job per name, its delay restarted by each request', () => {
    expect(debouncedPlatformJobOptions(JobName.RefillPools, 2000)).toMatchObject({ delay: 2000, deduplication: { id: 'refill-pools', ttl: 2000, extend: true, replace: true } });
  });
});
