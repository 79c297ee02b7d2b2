import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes that let the pool counts (every pool tick, `GET /pools`, `/metrics`) read recent rows
 * only, never the ended labs' history, which grows forever. Live labs are read through
 * `idx_labs_status`. Only adds.
 */
export class LabCountIndexes1765400000000 implements MigrationInterface {
  name = 'LabCountIndexes1765400000000';

  async up(q: QueryRunner): Promise<void> {
    // Failures of the last day (a pool that keeps failing pauses its refills).
    await q.query(`CREATE INDEX "idx_labs_failed_ended_at" ON "labs" ("ended_at") WHERE "status" = 'failed'`);
    // The last claim of each template's pool: one index entry per template.
    await q.query(`CREATE INDEX "idx_labs_template_id_claimed_at" ON "labs" ("template_id", "claimed_at") WHERE "claimed_at" IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "idx_labs_template_id_claimed_at"`);
    await q.query(`DROP INDEX "idx_labs_failed_ended_at"`);
  }
}
