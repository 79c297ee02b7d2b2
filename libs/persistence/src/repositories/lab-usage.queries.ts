import { EntityManager } from 'typeorm';
import { LabStatus } from '@labfleet/contracts';
import { LIVE_STATUSES, Period, QuotaState, runningSecondsByLab, StatusChange } from '@labfleet/domain';

type OwnedChange = StatusChange & { ownerId: string | null };

/** State changes of a course's labs (optionally one owner's) that may overlap `period`. */
export async function statusChanges(em: EntityManager, q: { courseId: string; ownerId?: string | null; period: Period }): Promise<OwnedChange[]> {
  const params: unknown[] = [q.courseId, q.period.start, q.period.end];
  let owner = '';
  if (q.ownerId !== undefined) {
    params.push(q.ownerId);
    owner = `AND l.owner_id IS NOT DISTINCT FROM $4`;
  }
  const rows: { lab_id: string; to_status: LabStatus; created_at: Date; owner_id: string | null; action: string | null }[] = await em.query(
    `SELECT e.lab_id, e.to_status, e.created_at, l.owner_id, e.detail->>'action' AS action
       FROM lab_events e JOIN labs l ON l.id = e.lab_id
      WHERE l.course_id = $1 AND l.created_at < $3 AND (l.ended_at IS NULL OR l.ended_at >= $2) ${owner}
      ORDER BY e.created_at`,
    params,
  );
  return rows.map((r) => ({ labId: r.lab_id, toStatus: r.to_status, at: new Date(r.created_at), ownerId: r.owner_id, action: r.action }));
}

/** Whose limits to read: one owner in one course, in the week of `now`. */
export interface QuotaAsk {
  readonly courseId: string;
  readonly ownerId: string | null;
  readonly week: Period;
  readonly now: Date;
  /** False when the course has no weekly budget: `usedSeconds` is then 0, and nothing reads it. */
  readonly readUsage: boolean;
}

/**
 * Everything a course's limits are checked against, for one owner: live labs and this week's
 * grants in one query (for any number of asks at once), then the week's lab history for the asks
 * that read usage.
 */
export async function quotaStates(em: EntityManager, asks: readonly QuotaAsk[]): Promise<QuotaState[]> {
  const rows: { course_count: number; course_min: Date | null; owner_count: number; owner_min: Date | null; granted_minutes: number }[] = await em.query(
    `SELECT count(l.id)::int AS course_count, min(l.expires_at) AS course_min,
            count(l.id) FILTER (WHERE l.owner_id IS NOT DISTINCT FROM r.owner_id)::int AS owner_count,
            min(l.expires_at) FILTER (WHERE l.owner_id IS NOT DISTINCT FROM r.owner_id) AS owner_min,
            (SELECT coalesce(sum(minutes), 0)::int FROM minute_grants g
              WHERE g.course_id = r.course_id AND g.user_id IS NOT DISTINCT FROM r.owner_id AND g.week_start = r.week_start) AS granted_minutes
       FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) WITH ORDINALITY AS r(course_id, owner_id, week_start, i)
       LEFT JOIN labs l ON l.course_id = r.course_id AND l.status = ANY($4)
      GROUP BY r.i, r.course_id, r.owner_id, r.week_start ORDER BY r.i`,
    [asks.map((a) => a.courseId), asks.map((a) => a.ownerId), asks.map((a) => a.week.start), LIVE_STATUSES],
  );
  return Promise.all(
    asks.map(async (ask, i) => {
      const live = rows[i];
      const seconds = ask.readUsage ? runningSecondsByLab(await statusChanges(em, { courseId: ask.courseId, ownerId: ask.ownerId, period: ask.week }), ask.week, ask.now) : new Map<string, number>();
      return {
        courseLive: { count: live.course_count, earliestExpiry: live.course_min ? new Date(live.course_min) : null },
        ownerLive: { count: live.owner_count, earliestExpiry: live.owner_min ? new Date(live.owner_min) : null },
        usedSeconds: [...seconds.values()].reduce((a, b) => a + b, 0),
        grantedMinutes: live.granted_minutes,
        week: ask.week,
      };
    }),
  );
}

export async function quotaState(em: EntityManager, courseId: string, ownerId: string | null, week: Period, now: Date, readUsage = true): Promise<QuotaState> {
  const [state] = await quotaStates(em, [{ courseId, ownerId, week, now, readUsage }]);
  return state;
}
