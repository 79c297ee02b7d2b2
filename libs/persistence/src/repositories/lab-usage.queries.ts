import { EntityManager } from 'typeorm';
import { LabStatus } from '@labfleet/contracts';
import { LIVE_STATUSES, Period, QuotaState, RUN_ENDING_STATUSES, runningSecondsByLab, StatusChange } from '@labfleet/domain';

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

/** One owner's use of a course's labs over a period: a line of the usage report. */
export interface OwnerUsage {
  readonly ownerId: string | null;
  /** Their labs that were usable for some of the period. */
  readonly labs: number;
  readonly seconds: number;
}

/**
 * Each owner's usable time in a course's labs within `period` (a lab still running counts up to
 * `now`), counted by the rules of `runningSecondsByLab`, but in Postgres: a term of a large course
 * is tens of thousands of events, summed where they lie instead of sent over and parsed. An owner
 * appears when any lab of theirs that may overlap the period has history, even at 0 s.
 *
 * Per lab, in the order of its events, a stretch runs up to and with an event that ends its
 * running (or to the end); the stretch counts from its last claim, else from its first `ready`.
 * Times count in whole milliseconds, as the app's Dates read them (Postgres keeps microseconds).
 * Reads indexes only (`UsageIndexes1766000000000`): the course's labs, their events' times and
 * states, and the claims among them. `usage-by-owner.int-spec.ts` holds it to `runningSecondsByLab`.
 */
export async function usageByOwner(em: EntityManager, courseId: string, period: Period, now: Date): Promise<OwnerUsage[]> {
  const until = Math.min(period.end.getTime(), now.getTime());
  const rows: { owner_id: string | null; labs: number; ms: string }[] = await em.query(
    `WITH course_labs AS NOT MATERIALIZED (
            SELECT id, owner_id FROM labs WHERE course_id = $1 AND created_at < $3 AND (ended_at IS NULL OR ended_at >= $2)),
          claims AS (
            SELECT e.lab_id, e.created_at FROM course_labs l JOIN lab_events e ON e.lab_id = l.id WHERE e.detail->>'action' = 'claimed'),
          events AS (
            SELECT e.lab_id, l.owner_id, e.created_at, e.to_status, floor(extract(epoch FROM e.created_at) * 1000)::bigint AS at,
                   (e.lab_id, e.created_at) IN (SELECT lab_id, created_at FROM claims) AS claimed
              FROM course_labs l JOIN lab_events e ON e.lab_id = l.id),
          ending AS (
            SELECT *, NOT claimed AND to_status = ANY($6) AS ends FROM events),
          stretches AS (
            SELECT *, count(*) FILTER (WHERE ends) OVER (PARTITION BY lab_id ORDER BY created_at ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS stretch FROM ending),
          runs AS (
            SELECT lab_id, owner_id, coalesce(max(at) FILTER (WHERE claimed), min(at) FILTER (WHERE to_status = $7)) AS since,
                   coalesce(max(at) FILTER (WHERE ends), $5) AS ended
              FROM stretches GROUP BY lab_id, owner_id, stretch),
          per_lab AS (
            SELECT owner_id, coalesce(sum(greatest(0, least(ended, $5) - greatest(since, $4))) FILTER (WHERE since IS NOT NULL), 0) AS ms
              FROM runs GROUP BY lab_id, owner_id)
     SELECT owner_id, (count(*) FILTER (WHERE ms > 0))::int AS labs, sum(ms)::bigint AS ms FROM per_lab GROUP BY owner_id`,
    [courseId, period.start, period.end, period.start.getTime(), until, RUN_ENDING_STATUSES, LabStatus.Ready],
  );
  return rows.map((r) => ({ ownerId: r.owner_id, labs: r.labs, seconds: Number(r.ms) / 1000 }));
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
