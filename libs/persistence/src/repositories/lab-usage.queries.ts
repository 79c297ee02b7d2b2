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

/**
 * Everything a course's limits are checked against, for one owner: live labs and this week's
 * grants in one query, then the week's lab history unless the caller says the course has no
 * weekly budget (`readUsage` false: `usedSeconds` is then 0, and nothing reads it).
 */
export async function quotaState(em: EntityManager, courseId: string, ownerId: string | null, week: Period, now: Date, readUsage = true): Promise<QuotaState> {
  const [live] = await em.query(
    `SELECT count(*)::int AS course_count, min(expires_at) AS course_min,
            count(*) FILTER (WHERE owner_id IS NOT DISTINCT FROM $2)::int AS owner_count,
            min(expires_at) FILTER (WHERE owner_id IS NOT DISTINCT FROM $2) AS owner_min,
            (SELECT coalesce(sum(minutes), 0)::int FROM minute_grants WHERE course_id = $1 AND user_id IS NOT DISTINCT FROM $2 AND week_start = $4) AS granted_minutes
       FROM labs WHERE course_id = $1 AND status = ANY($3)`,
    [courseId, ownerId, LIVE_STATUSES, week.start],
  );
  const seconds = readUsage ? runningSecondsByLab(await statusChanges(em, { courseId, ownerId, period: week }), week, now) : new Map<string, number>();
  return {
    courseLive: { count: live.course_count, earliestExpiry: live.course_min ? new Date(live.course_min) : null },
    ownerLive: { count: live.owner_count, earliestExpiry: live.owner_min ? new Date(live.owner_min) : null },
    usedSeconds: [...seconds.values()].reduce((a, b) => a + b, 0),
    grantedMinutes: live.granted_minutes,
    week,
  };
}
