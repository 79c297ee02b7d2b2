import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LabStatus } from '@labfleet/contracts';

/** Every status but the two a lab ends in. */
const NOT_ENDED = [LabStatus.Pending, LabStatus.Provisioning, LabStatus.Ready, LabStatus.Stopping];

/**
 * Counts for /metrics that only live labs make. Ended labs (the history, which grows forever) are
 * counted in Redis as they end, not read here.
 */
@Injectable()
export class LabStatsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Labs not yet ended, by template, status and whether they are unclaimed pool labs (read through `idx_labs_status`). */
  async liveLabs(): Promise<{ template: string; status: LabStatus; pooled: boolean; count: number }[]> {
    const rows: { name: string; status: LabStatus; pooled: boolean; n: number }[] = await this.db.query(
      `SELECT t.name, l.status, (l.course_id IS NULL) AS pooled, count(*)::int AS n
         FROM labs l JOIN templates t ON t.id = l.template_id
        WHERE l.status = ANY($1)
        GROUP BY 1, 2, 3`,
      [NOT_ENDED],
    );
    return rows.map((r) => ({ template: r.name, status: r.status, pooled: r.pooled, count: r.n }));
  }
}
