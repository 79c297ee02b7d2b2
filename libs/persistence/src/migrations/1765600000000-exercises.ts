import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A course's exercises (instructions, hints, and the check that runs in a student's lab), each
 * check run (`exercise_attempts`), and per student and exercise the count and the first success
 * (`exercise_progress`, what the teacher's grid reads). Only adds.
 */
export class Exercises1765600000000 implements MigrationInterface {
  name = 'Exercises1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "exercises" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "course_id" uuid NOT NULL REFERENCES "courses"("id") ON DELETE CASCADE,
      "position" int NOT NULL,
      "key" text NOT NULL,
      "title" text NOT NULL,
      "instructions" text NOT NULL,
      "hints" jsonb NOT NULL DEFAULT '[]',
      "template" text,
      "check_node" text NOT NULL DEFAULT 'node1',
      "check_script" text NOT NULL,
      "check_timeout_seconds" int NOT NULL,
      "solution" text,
      "created_at" timestamptz NOT NULL DEFAULT now(),
      "updated_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "uq_exercises_course_id_key" UNIQUE ("course_id", "key")
    )`);
    await q.query(`CREATE INDEX "idx_exercises_course_id_position" ON "exercises" ("course_id", "position")`);
    await q.query(`CREATE TABLE "exercise_attempts" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "exercise_id" uuid NOT NULL REFERENCES "exercises"("id") ON DELETE CASCADE,
      "user_id" uuid NOT NULL REFERENCES "users"("id") ON DELETE CASCADE,
      "lab_id" uuid NOT NULL,
      "passed" boolean NOT NULL,
      "timed_out" boolean NOT NULL,
      "exit_code" int NOT NULL,
      "message" text NOT NULL,
      "duration_ms" int NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX "idx_exercise_attempts_exercise_id_user_id" ON "exercise_attempts" ("exercise_id", "user_id", "created_at")`);
    await q.query(`CREATE TABLE "exercise_progress" (
      "exercise_id" uuid NOT NULL REFERENCES "exercises"("id") ON DELETE CASCADE,
      "user_id" uuid NOT NULL REFERENCES "users"("id") ON DELETE CASCADE,
      "attempts" int NOT NULL,
      "last_attempt_at" timestamptz NOT NULL,
      "first_passed_at" timestamptz,
      PRIMARY KEY ("exercise_id", "user_id")
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "exercise_progress"`);
    await q.query(`DROP TABLE "exercise_attempts"`);
    await q.query(`DROP TABLE "exercises"`);
  }
}
