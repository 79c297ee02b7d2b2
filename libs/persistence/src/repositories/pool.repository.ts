import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LabStatus } from '@labfleet/contracts';
import { PoolCounts, TimetableSlot } from '@labfleet/domain';
import { PoolEntity, TimetableSlotEntity } from '../entities';

export type NewSlot = Pick<TimetableSlotEntity, 'templateId' | 'weekday' | 'startMinute' | 'endMinute' | 'expectedStudents'>;

/** Pool settings, the counts a refill plans from, and course timetables. */
@Injectable()
export class PoolRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  settings(): Promise<PoolEntity[]> {
    return this.db.getRepository(PoolEntity).find({ relations: { template: true } });
  }

  async upsert(templateId: string, minIdle: number, maxTotal: number | null, updatedBy: string): Promise<void> {
    await this.db.createQueryBuilder().insert().into(PoolEntity).values({ templateId, minIdle, maxTotal, updatedBy }).orUpdate(['min_idle', 'max_total', 'updated_by', 'updated_at'], ['template_id']).execute();
  }

  /**
   * Per template: idle and warming unowned labs, claimed ones, all live ones, failures of the last
   * day, and how long since the last claim. Reads live labs, the last day's failures and one index
   * entry per template, never the ended labs' history (/metrics and every pool tick call it).
   */
  async counts(): Promise<Map<string, PoolCounts & { claimed: number; failedLastDay: number; poolFailedLastMinute: number }>> {
    // Statuses are written out (constants, not parameters) so that partial indexes' predicates are provably met.
    const rows: { template_id: string; idle: number; warming: number; claimed: number; total: number; failed: number; pool_failed: number; since_claim: number | null }[] = await this.db.query(
      `WITH live AS (
         SELECT template_id,
                count(*) FILTER (WHERE course_id IS NULL AND status = '${LabStatus.Ready}') AS idle,
                count(*) FILTER (WHERE course_id IS NULL AND status <> '${LabStatus.Ready}') AS warming,
                count(*) FILTER (WHERE course_id IS NOT NULL) AS claimed,
                count(*) AS total
           FROM labs WHERE status IN ('${LabStatus.Ready}', '${LabStatus.Pending}', '${LabStatus.Provisioning}') GROUP BY template_id),
       failed AS (
         SELECT template_id, count(*) AS failed,
                count(*) FILTER (WHERE course_id IS NULL AND ended_at > now() - interval '1 minute') AS pool_failed
           FROM labs WHERE status = '${LabStatus.Failed}' AND ended_at > now() - interval '1 day' GROUP BY template_id)
       SELECT t.id AS template_id,
              coalesce(live.idle, 0)::int AS idle, coalesce(live.warming, 0)::int AS warming,
              coalesce(live.claimed, 0)::int AS claimed, coalesce(live.total, 0)::int AS total,
              coalesce(failed.failed, 0)::int AS failed, coalesce(failed.pool_failed, 0)::int AS pool_failed,
              extract(epoch FROM now() - (SELECT max(claimed_at) FROM labs WHERE template_id = t.id))::float AS since_claim
         FROM templates t LEFT JOIN live ON live.template_id = t.id LEFT JOIN failed ON failed.template_id = t.id`,
    );
    return new Map(
      rows.map((r) => [r.template_id, { idle: r.idle, warming: r.warming, claimed: r.claimed, total: r.total, failedLastDay: r.failed, poolFailedLastMinute: r.pool_failed, sinceLastClaimSeconds: r.since_claim }]),
    );
  }

  /** The oldest idle pool labs of a template, to retire when its target shrinks. */
  async oldestIdle(templateId: string, limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT id FROM labs WHERE template_id = $1 AND course_id IS NULL AND status = $2 ORDER BY created_at LIMIT $3`,
      [templateId, LabStatus.Ready, limit],
    );
    return rows.map((r) => r.id);
  }

  /** Every timetabled session, with its school's time zone. */
  async allSlots(): Promise<TimetableSlot[]> {
    const rows: { template_id: string; weekday: number; start_minute: number; end_minute: number; expected_students: number; timezone: string }[] = await this.db.query(
      `SELECT s.template_id, s.weekday, s.start_minute, s.end_minute, s.expected_students, sc.timezone
         FROM timetable_slots s JOIN courses c ON c.id = s.course_id JOIN schools sc ON sc.id = c.school_id`,
    );
    return rows.map((r) => ({ templateId: r.template_id, weekday: r.weekday, startMinute: r.start_minute, endMinute: r.end_minute, expectedStudents: r.expected_students, timezone: r.timezone }));
  }

  courseSlots(courseId: string): Promise<TimetableSlotEntity[]> {
    return this.db.getRepository(TimetableSlotEntity).find({ where: { courseId }, relations: { template: true }, order: { weekday: 'ASC', startMinute: 'ASC' } });
  }

  /** Replaces a course's timetable in one transaction. */
  async replaceCourseSlots(courseId: string, slots: readonly NewSlot[]): Promise<void> {
    await this.db.transaction(async (em) => {
      await em.delete(TimetableSlotEntity, { courseId });
      if (slots.length) await em.insert(TimetableSlotEntity, slots.map((s) => ({ ...s, courseId })));
    });
  }
}
