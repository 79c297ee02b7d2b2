import { LabStatus } from '@labfleet/contracts';
import { LabRuntime } from './lab-provider.port';
import { planReconcile, ReconcileLab } from './reconcile-plan';

const now = new Date('2026-01-01T12:00:00Z');
const old = new Date('2026-01-01T11:00:00Z');
const lab = (id: string, status: LabStatus, updatedAt = old): ReconcileLab => ({ id, status, updatedAt });
const running: LabRuntime = { state: 'running' };

describe('planReconcile', () => {
  it('adopts ready labs whose runtime runs', () => {
    expect(planReconcile([lab('a', LabStatus.Ready)], new Map([['a', running]]), now, 60_000)).toEqual([{ kind: 'adopt', labId: 'a' }]);
  });

  it('fails ready labs whose runtime vanished or stopped, with a reason', () => {
    const actions = planReconcile(
      [lab('a', LabStatus.Ready), lab('b', LabStatus.Ready)],
      new Map<string, LabRuntime>([['b', { state: 'stopped', reason: 'exited with code 137 (out of memory)' }]]),
      now,
      60_000,
    );
    expect(actions).toEqual([
      { kind: 'mark-failed', labId: 'a', reason: 'the lab container disappeared' },
      { kind: 'mark-failed', labId: 'b', reason: 'exited with code 137 (out of memory)' },
    ]);
  });

  it('removes runtimes with no live lab, but leaves labs being stopped to their job', () => {
    const actions = planReconcile(
      [lab('stopped', LabStatus.Stopped), lab('stopping', LabStatus.Stopping, now)],
      new Map([['unknown', running], ['stopped', running], ['stopping', running]]),
      now,
      60_000,
    );
    expect(actions).toEqual([
      { kind: 'remove-orphan', labId: 'unknown' },
      { kind: 'remove-orphan', labId: 'stopped' },
    ]);
  });

  it('re-queues labs stuck in a transient state only after the grace period', () => {
    const actions = planReconcile(
      [lab('young', LabStatus.Provisioning, new Date(now.getTime() - 1000)), lab('stuck', LabStatus.Pending), lab('dying', LabStatus.Stopping)],
      new Map(),
      now,
      60_000,
    );
    expect(actions).toEqual([
      { kind: 'requeue-provision', labId: 'stuck' },
      { kind: 'requeue-destroy', labId: 'dying' },
    ]);
  });
});
