import { JobName } from './job-name.enum';
import { debouncedPlatformJobOptions, expiryJobOptions, labJobOptions } from './job-options';

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

describe('expiryJobOptions', () => {
  // A fixed clock, just before midnight UTC (and the new year): the delay is exact.
  const NOW = new Date('2026-12-31T23:59:30Z');
  beforeEach(() => jest.useFakeTimers({ now: NOW }));
  afterEach(() => jest.useRealTimers());

  it('is one job per lab and expiry time, so a new time needs no removal of the old', () => {
    const at = new Date(NOW.getTime() + 60_000);
    const job = expiryJobOptions('abc', at, { attempts: 3, backoffMs: 1000 });
    expect(job.jobId).toBe(`expire-lab-abc-${at.getTime()}`);
    expect(job.delay).toBe(60_000);
    expect(expiryJobOptions('abc', new Date(at.getTime() + 1000), { attempts: 3, backoffMs: 1000 }).jobId).not.toBe(job.jobId);
  });
});
