import { LabStatus } from '@labfleet/contracts';

export interface Period {
  readonly start: Date;
  readonly end: Date;
}

/** One row of a lab's history, as much of it as usage needs. */
export interface StatusChange {
  readonly labId: string;
  readonly toStatus: LabStatus;
  readonly at: Date;
  /** `claimed` when a student took the lab from the warm pool: their time starts there. */
  readonly action?: string | null;
}

/** The states a lab's usable time ends with (its `ready` time runs until the first of them). */
export const RUN_ENDING_STATUSES: readonly LabStatus[] = [LabStatus.Stopping, LabStatus.Stopped, LabStatus.Failed];
const ENDS_RUNNING = new Set(RUN_ENDING_STATUSES);

/**
 * Seconds each lab was usable (from `ready` until it began to end) within `period`, from its
 * event history. A lab still running counts up to `now`. Events may come in any order.
 * `usageByOwner` (libs/persistence) counts the same way in SQL, for a course's whole history.
 */
export function runningSecondsByLab(changes: readonly StatusChange[], period: Period, now: Date): Map<string, number> {
  const byLab = new Map<string, StatusChange[]>();
  for (const c of changes) byLab.set(c.labId, [...(byLab.get(c.labId) ?? []), c]);
  const until = Math.min(period.end.getTime(), now.getTime());
  const result = new Map<string, number>();
  for (const [labId, events] of byLab) {
    let since: number | null = null;
    let total = 0;
    const close = (at: number) => {
      if (since !== null) total += Math.max(0, Math.min(at, until) - Math.max(since, period.start.getTime()));
      since = null;
    };
    for (const e of [...events].sort((a, b) => a.at.getTime() - b.at.getTime())) {
      if (e.action === 'claimed') since = e.at.getTime();
      else if (e.toStatus === LabStatus.Ready && since === null) since = e.at.getTime();
      else if (ENDS_RUNNING.has(e.toStatus)) close(e.at.getTime());
    }
    close(until);
    result.set(labId, total / 1000);
  }
  return result;
}

/** The week a budget counts in: Monday 00:00 UTC to the next Monday. */
export function weekOf(now: Date): Period {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  start.setUTCDate(start.getUTCDate() - ((start.getUTCDay() + 6) % 7));
  const end = new Date(start);
  end.setUTCDate(end.getUTCDate() + 7);
  return { start, end };
}
