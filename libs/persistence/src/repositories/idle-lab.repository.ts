import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LabStatus } from '@labfleet/contracts';

/** A ready lab of a course with an idle limit, as the idle pass reads it. */
export interface IdleCandidate {
  readonly labId: string;
  readonly limitSeconds: number;
  /** When the student got it: claimed from the pool, else ready. */
  readonly since: Date;
}

/** What the idle pass reads and writes in Postgres (its activity data is in Redis). */
@Injectable()
export class IdleLabRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Ready labs whose course has an idle limit (live labs are read through `idx_labs_status`). */
  async candidates(): Promise<IdleCandidate[]> {
    const rows: { id: string; limit_seconds: number; since: Date }[] = await this.db.query(
      `SELECT l.id, c.idle_limit_seconds AS limit_seconds, coalesce(l.claimed_at, l.ready_at, l.created_at) AS since
         FROM labs l JOIN courses c ON c.id = l.course_id
        WHERE l.status = $1 AND c.idle_limit_seconds IS NOT NULL`,
      [LabStatus.Ready],
    );
    return rows.map((r) => ({ labId: r.id, limitSeconds: r.limit_seconds, since: new Date(r.since) }));
  }

  /** The warning's event (status unchanged), if the lab is still ready. True when it was recorded. */
  async recordWarning(labId: string, actor: string, detail: Record<string, unknown>): Promise<boolean> {
    return this.db.transaction(async (em) => {
      // Structured result: TypeORM's plain query() shapes INSERT … RETURNING differently per statement kind.
      const { records } = await em.queryRunner!.query(
        `INSERT INTO lab_events (lab_id, from_status, to_status, actor, detail)
         SELECT id, status, status, $2, $3 FROM labs WHERE id = $1 AND status = $4 RETURNING id`,
        [labId, actor, JSON.stringify(detail), LabStatus.Ready],
        true,
      );
      return (records as unknown[]).length > 0;
    });
  }
}
