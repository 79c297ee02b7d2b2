import { LabStatus } from '@labfleet/contracts';
import { endedCounts, PROVISION_BOUNDS_SECONDS, readCounts, readyCounts, requestCounts } from './lab-counters';

/** What HINCRBY does to the shared hash, for each increment in turn. */
function applied(...increments: Record<string, number>[]): Record<string, number> {
  const hash: Record<string, number> = {};
  for (const inc of increments) for (const [field, n] of Object.entries(inc)) hash[field] = (hash[field] ?? 0) + n;
  return hash;
}

describe('lab counters', () => {
  it('puts a provision in the one bucket whose bound it does not exceed (bounds inclusive), beyond the last in +Inf', () => {
    expect(readyCounts(250)).toEqual({ 'provision-le-0.25': 1, 'provision-sum-ms': 250 });
    expect(readyCounts(251)).toEqual({ 'provision-le-0.5': 1, 'provision-sum-ms': 251 });
    expect(readyCounts(1400.4)).toEqual({ 'provision-le-2': 1, 'provision-sum-ms': 1400 });
    expect(readyCounts(120_000)).toEqual({ 'provision-le-120': 1, 'provision-sum-ms': 120_000 });
    expect(readyCounts(120_001)).toEqual({ 'provision-le-+Inf': 1, 'provision-sum-ms': 120_001 });
    // A clock stepping back does not make a negative duration.
    expect(readyCounts(-5)).toEqual({ 'provision-le-0.25': 1, 'provision-sum-ms': 0 });
  });

  it('reads the stored buckets back as a cumulative histogram with its count and sum', () => {
    const hash = applied(readyCounts(100), readyCounts(700), readyCounts(800), readyCounts(4000), readyCounts(500_000));
    const { provision } = readCounts(hash);
    expect(PROVISION_BOUNDS_SECONDS).toEqual([0.25, 0.5, 1, 2, 5, 10, 30, 60, 120]);
    expect(provision).toEqual({ buckets: [1, 1, 3, 3, 4, 4, 4, 4, 4], count: 5, sumSeconds: 505.6 });
  });

  it('reads an empty hash as all zeros, with every reconcile action listed', () => {
    expect(readCounts({})).toEqual({
      provision: { buckets: [0, 0, 0, 0, 0, 0, 0, 0, 0], count: 0, sumSeconds: 0 },
      requests: { pool: 0, cold: 0 },
      ended: [],
      reconcileRuns: 0,
      reconcileActions: { adopt: 0, 'remove-orphan': 0, 'mark-failed': 0, 'requeue-provision': 0, 'requeue-destroy': 0 },
    });
  });

  it('counts requests by source and ended labs by status, template and pool, whatever the template is called', () => {
    const hash = applied(
      requestCounts('pool'),
      requestCounts('pool'),
      requestCounts('cold'),
      endedCounts({ template: 'docker', status: LabStatus.Stopped, pooled: false }),
      endedCounts({ template: 'docker', status: LabStatus.Stopped, pooled: false }),
      endedCounts({ template: 'docker', status: LabStatus.Stopped, pooled: true }),
      endedCounts({ template: 'odd:name "x"', status: LabStatus.Failed, pooled: false }),
      { 'reconcile-runs': 3, 'reconcile-adopt': 2 },
    );
    const counts = readCounts(hash);
    expect(counts.requests).toEqual({ pool: 2, cold: 1 });
    expect(counts.ended).toEqual([
      { template: 'docker', status: LabStatus.Stopped, pooled: false, count: 2 },
      { template: 'docker', status: LabStatus.Stopped, pooled: true, count: 1 },
      { template: 'odd:name "x"', status: LabStatus.Failed, pooled: false, count: 1 },
    ]);
    expect(counts.reconcileRuns).toBe(3);
    expect(counts.reconcileActions.adopt).toBe(2);
  });

  it('ignores fields it does not know, and ended-lab fields that are not well formed', () => {
    const counts = readCounts({ 'something-else': 4, 'labs-ended:ready:owned:docker': 1, 'labs-ended:stopped:other:docker': 1, 'labs-ended:failed:pool:x': 2 });
    expect(counts.ended).toEqual([{ template: 'x', status: LabStatus.Failed, pooled: true, count: 2 }]);
    expect(counts.provision.count).toBe(0);
  });
});
