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

  /** Per template: idle and warming unowned labs, claimed ones, all live ones, and how long since the last claim. */
  async counts(): Promise<Map<string, PoolCounts & { claimed: number; failedLastDay: number; poolFailedLastMinute: number }>> {
    const rows: { template_id: string; idle: number; warming: number; claimed: number; total: number; failed: number; pool_failed: number; since_claim: number | null }[] = await this.db.query(
      `SELECT template_id,
              count(*) FILTER (WHERE course_id IS NULL AND status = $1)::int AS idle,
              count(*) FILTER (WHERE course_id IS NULL AND status IN ($2, $3))::int AS warming,
              count(*) FILTER (WHERE course_id IS NOT NULL AND status IN ($1, $2, $3))::int AS claimed,
              count(*) FILTER (WHERE status IN ($1, $2, $3))::int AS total,
              count(*) FILTER (WHERE status = $4 AND ended_at > now() - interval '1 day')::int AS failed,
              count(*) FILTER (WHERE status = $4 AND course_id IS NULL AND ended_at > now() - interval '1 minute')::int AS pool_failed,
              extract(epoch FROM now() - max(claimed_at))::float AS since_claim
         FROM labs GROUP BY template_id`,
      [LabStatus.Ready, LabStatus.Pending, LabStatus.Provisioning, LabStatus.Failed],
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
