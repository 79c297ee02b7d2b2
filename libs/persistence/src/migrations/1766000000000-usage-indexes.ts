import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes that let a course's usage report (`usageByOwner`) read a term of history from indexes
 * alone, touching only that course's rows, however long the whole history grows: the course's
 * labs with their period columns and owner, each lab's events with their state (the index on
 * `lab_id, created_at` gains `to_status`: the same size, alignment padding holds it), and the few
 * claims among events (also what undoing a claim looks up).
 */
export class UsageIndexes1766000000000 implements MigrationInterface {
  name = 'UsageIndexes1766000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX "idx_labs_course_id_created_at" ON "labs" ("course_id", "created_at") INCLUDE ("ended_at", "owner_id", "id")`);
    await q.query(`DROP INDEX "idx_lab_events_lab_id_created_at"`);
    await q.query(`CREATE INDEX "idx_lab_events_lab_id_created_at" ON "lab_events" ("lab_id", "created_at") INCLUDE ("to_status")`);
    await q.query(`CREATE INDEX "idx_lab_events_claims" ON "lab_events" ("lab_id", "created_at") WHERE "detail"->>'action' = 'claimed'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "idx_lab_events_claims"`);
    await q.query(`DROP INDEX "idx_lab_events_lab_id_created_at"`);
    await q.query(`CREATE INDEX "idx_lab_events_lab_id_created_at" ON "lab_events" ("lab_id", "created_at")`);
    await q.query(`DROP INDEX "idx_labs_course_id_created_at"`);
  }
}
