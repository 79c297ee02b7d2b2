import { Inject, Injectable, Logger } from '@nestjs/common';
import { isLive, LAB_PROVIDER, LabProvider, planReconcile, ReconcileAction } from '@labfleet/domain';
import { LabEntity, LabRepository } from '@labfleet/persistence';
import { CounterStore, LabJobsService } from '@labfleet/queue';
import { CourseRegistryService } from './course-registry.service';
import { LabLifecycleService } from './lab-lifecycle.service';

export type ReconcileSummary = Record<ReconcileAction['kind'], number>;

/** How long a lab may sit in a transient state before reconcile re-queues its job. */
const GRACE_MS = 30_000;
/**
 * Labs acted on at once. One at a time, a pass after an engine restart marked 30 lost labs over
 * 25 s, each after the previous one's clean-up: longer than the reconcile interval.
 */
const AT_ONCE = 8;

/** Runs `fn` on every item, at most `limit` at a time. */
async function forEachAtOnce<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** Makes Postgres and the backend agree: adopt, remove orphans, fail labs whose runtime is gone. */
@Injectable()
export class ReconcilerService {
  private readonly logger = new Logger('Reconciler');

  constructor(
    private readonly labs: LabRepository,
    private readonly jobs: LabJobsService,
    private readonly lifecycle: LabLifecycleService,
    private readonly counters: CounterStore,
    @Inject(LAB_PROVIDER) private readonly provider: LabProvider,
    private readonly courseRegistry: CourseRegistryService,
  ) {}

  async run(): Promise<ReconcileSummary> {
    // The rows first, the backend after: a lab these rows say is ready had its nodes before they
    // were read, so the backend's answer, read later, has them (or the lab is really lost).
    const unended = await this.labs.findUnended();
    // Every lab's state in one read, whatever their number. 'gone' is listed for a lab the backend
    // still has something of (a network, a disk, no node: a clean-up cut short), which the plan
    // removes as any orphan; a ready lab not listed has nothing left.
    const runtimes = await this.provider.labRuntimes();
    const known = new Set(unended.map((l) => l.id));
    const labs = [...unended, ...(await this.labs.findRows([...runtimes.keys()].filter((id) => !known.has(id))))];
    const actions = planReconcile(labs, runtimes, new Date(), GRACE_MS);
    const summary: ReconcileSummary = { adopt: 0, 'remove-orphan': 0, 'mark-failed': 0, 'requeue-provision': 0, 'requeue-destroy': 0 };
    // Each action is on a lab of its own. At once, so that a lab lost with an engine restart is
    // not marked failed only after the clean-up of every lab before it.
    await forEachAtOnce(actions, AT_ONCE, async (action) => {
      try {
        await this.apply(action);
        summary[action.kind]++;
      } catch (e) {
        this.logger.warn({ msg: 'reconcile action failed', labId: action.labId, action: action.kind, error: String(e) });
      }
    });
    const failed = new Set(actions.filter((a) => a.kind === 'mark-failed').map((a) => a.labId));
    await this.reaskExpiries(labs.filter((l) => isLive(l.status) && !failed.has(l.id)));
    // A deleted course whose purge job was lost still loses its registry data here.
    await this.courseRegistry.purgeRemovedCourses().catch((e: unknown) => this.logger.warn({ msg: 'course registry not purged; the next reconcile tries again', error: String(e) }));
    await this.counters.add({ 'reconcile-runs': 1, ...Object.fromEntries(Object.entries(summary).map(([k, n]) => [`reconcile-${k}`, n])) }).catch(() => undefined);
    const changed = actions.some((a) => a.kind !== 'adopt');
    if (changed) this.logger.log({ msg: 'reconciled', ...summary });
    return summary;
  }

  /**
   * A lab's expiry is a delayed job, in Redis only: after Redis lost its data (a restored backup, a
   * Redis without its append-only file) nothing would end the labs. Asking again is free while the
   * job waits (one job id per lab and time), and an expiry already past runs at once.
   */
  private async reaskExpiries(live: readonly LabEntity[]): Promise<void> {
    await Promise.all(live.map((l) => this.jobs.expireAt(l.id, l.expiresAt))).catch((e: unknown) =>
      this.logger.warn({ msg: 'expiries not re-asked; the next reconcile tries again', error: String(e) }),
    );
  }

  private async apply(action: ReconcileAction): Promise<void> {
    switch (action.kind) {
      case 'adopt':
        return;
      case 'remove-orphan':
        this.logger.log({ msg: 'removing resources with no live lab', labId: action.labId });
        return this.provider.destroy(action.labId);
      case 'mark-failed':
        return this.lifecycle.fail(action.labId, action.reason, 'reconciler');
      case 'requeue-provision':
        return this.jobs.provision(action.labId);
      case 'requeue-destroy':
        return this.jobs.destroy(action.labId);
    }
  }
}
