import { MigrationInterface, QueryRunner } from 'typeorm';

/** A course's idle limit: ready labs with no activity for that long are warned, then stopped. Null = none. Only adds. */
export class CourseIdleLimit1765800000000 implements MigrationInterface {
  name = 'CourseIdleLimit1765800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "courses" ADD "idle_limit_seconds" integer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "courses" DROP COLUMN "idle_limit_seconds"`);
  }
}
