import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LabStatus } from '@labfleet/contracts';

/** Counts for /metrics, read from the lab history so every API process reports the same. */
@Injectable()
export class LabStatsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async labsByStatus(): Promise<{ template: string; status: LabStatus; pooled: boolean; count: number }[]> {
    const rows: { name: string; status: LabStatus; pooled: boolean; n: number }[] = await this.db.query(
      `SELECT t.name, l.status, (l.course_id IS NULL) AS pooled, count(*)::int AS n FROM labs l JOIN templates t ON t.id = l.template_id GROUP BY 1, 2, 3`,
    );
    return rows.map((r) => ({ template: r.name, status: r.status, pooled: r.pooled, count: r.n }));
  }

  /** Cumulative counts of provision durations (from each `ready` event) at or under each bound. */
  async provisionDurations(boundsSeconds: readonly number[]): Promise<{ buckets: number[]; count: number; sumSeconds: number }> {
    const [row] = await this.db.query(
      `SELECT count(*)::int AS count, coalesce(sum(ms), 0)::float / 1000 AS sum,
              ARRAY[${boundsSeconds.map((_, i) => `count(*) FILTER (WHERE ms <= $${i + 2})::int`).join(', ')}] AS buckets
         FROM (SELECT (detail->>'provisionMs')::float AS ms FROM lab_events WHERE to_status = $1 AND detail ? 'provisionMs') d`,
      [LabStatus.Ready, ...boundsSeconds.map((b) => b * 1000)],
    );
    return { buckets: row.buckets, count: row.count, sumSeconds: row.sum };
  }

  /** Owned labs served from the warm pool vs provisioned on request, ever. */
  async requestSources(): Promise<{ pool: number; cold: number }> {
    const [row] = await this.db.query(
      `SELECT count(*) FILTER (WHERE claimed_at IS NOT NULL)::int AS pool, count(*) FILTER (WHERE claimed_at IS NULL)::int AS cold FROM labs WHERE course_id IS NOT NULL`,
    );
    return row;
  }
}
