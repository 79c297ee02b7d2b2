import { MigrationInterface, QueryRunner } from 'typeorm';

const TS = 'TIMESTAMP WITH TIME ZONE';

/** Warm pools, timetables and admission. Only adds. */
export class Pools1765000000000 implements MigrationInterface {
  name = 'Pools1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "pools" (
      "template_id" uuid PRIMARY KEY REFERENCES "templates"("id") ON DELETE CASCADE,
      "min_idle" integer NOT NULL DEFAULT 0,
      "max_total" integer,
      "updated_by" text NOT NULL,
      "updated_at" ${TS} NOT NULL DEFAULT now())`);
    await q.query(`CREATE TABLE "timetable_slots" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "course_id" uuid NOT NULL REFERENCES "courses"("id") ON DELETE CASCADE,
      "template_id" uuid NOT NULL REFERENCES "templates"("id") ON DELETE CASCADE,
      "weekday" smallint NOT NULL CHECK ("weekday" BETWEEN 1 AND 7),
      "start_minute" integer NOT NULL CHECK ("start_minute" BETWEEN 0 AND 1439),
      "end_minute" integer NOT NULL CHECK ("end_minute" BETWEEN 1 AND 1440),
      "expected_students" integer NOT NULL CHECK ("expected_students" >= 0),
      "created_at" ${TS} NOT NULL DEFAULT now(),
      CHECK ("end_minute" > "start_minute"))`);
    await q.query(`CREATE INDEX "idx_timetable_slots_course_id" ON "timetable_slots" ("course_id")`);
    await q.query(`ALTER TABLE "schools" ADD "timezone" text NOT NULL DEFAULT 'UTC'`);
    await q.query(`ALTER TABLE "templates" ADD "reserved_cpus" numeric(6,3) NOT NULL DEFAULT 0.05, ADD "reserved_memory_mb" integer NOT NULL DEFAULT 128`);
    await q.query(`ALTER TABLE "labs" ADD "claimed_at" ${TS}, ADD "queued_at" ${TS}`);
    // The claim query's path: idle pool labs of a template, oldest first.
    await q.query(`CREATE INDEX "idx_labs_pool_idle" ON "labs" ("template_id", "created_at") WHERE "course_id" IS NULL AND "status" = 'ready'`);
    await q.query(`CREATE INDEX "idx_labs_queued_at" ON "labs" ("queued_at") WHERE "queued_at" IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "idx_labs_queued_at"`);
    await q.query(`DROP INDEX "idx_labs_pool_idle"`);
    await q.query(`ALTER TABLE "labs" DROP COLUMN "queued_at", DROP COLUMN "claimed_at"`);
    await q.query(`ALTER TABLE "templates" DROP COLUMN "reserved_memory_mb", DROP COLUMN "reserved_cpus"`);
    await q.query(`ALTER TABLE "schools" DROP COLUMN "timezone"`);
    await q.query(`DROP TABLE "timetable_slots"`);
    await q.query(`DROP TABLE "pools"`);
  }
}
