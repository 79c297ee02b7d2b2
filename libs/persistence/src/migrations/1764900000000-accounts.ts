import { MigrationInterface, QueryRunner } from 'typeorm';
import { DEFAULT_COURSE_ID, DEFAULT_SCHOOL_ID } from '../default-tenancy';

const TS = 'TIMESTAMP WITH TIME ZONE';

/** Schools, people, courses, tokens and audit; labs gain an owner. Only adds. */
export class Accounts1764900000000 implements MigrationInterface {
  name = 'Accounts1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "schools" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "name" text NOT NULL,
      "slug" text NOT NULL CONSTRAINT "uq_schools_slug" UNIQUE,
      "oidc_issuer" text, "oidc_client_id" text, "oidc_client_secret" text,
      "created_at" ${TS} NOT NULL DEFAULT now(), "updated_at" ${TS} NOT NULL DEFAULT now())`);
    await q.query(`CREATE TABLE "users" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "school_id" uuid REFERENCES "schools"("id") ON DELETE RESTRICT,
      "email" text NOT NULL CONSTRAINT "uq_users_email" UNIQUE,
      "name" text NOT NULL,
      "role" text NOT NULL,
      "password_hash" text,
      "created_at" ${TS} NOT NULL DEFAULT now(), "updated_at" ${TS} NOT NULL DEFAULT now(),
      CONSTRAINT "ck_users_school" CHECK (("role" = 'platform-admin') = ("school_id" IS NULL)))`);
    await q.query(`CREATE INDEX "idx_users_school_id" ON "users" ("school_id")`);
    await q.query(`CREATE TABLE "identities" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "user_id" uuid NOT NULL REFERENCES "users"("id") ON DELETE CASCADE,
      "issuer" text NOT NULL, "subject" text NOT NULL,
      "created_at" ${TS} NOT NULL DEFAULT now(),
      CONSTRAINT "uq_identities_issuer_subject" UNIQUE ("issuer", "subject"))`);
    await q.query(`CREATE TABLE "courses" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "school_id" uuid NOT NULL REFERENCES "schools"("id") ON DELETE RESTRICT,
      "name" text NOT NULL,
      "allowed_templates" jsonb,
      "max_concurrent_labs" integer, "labs_per_student" integer NOT NULL DEFAULT 1,
      "max_ttl_seconds" integer, "weekly_minutes_per_student" integer,
      "created_at" ${TS} NOT NULL DEFAULT now(), "updated_at" ${TS} NOT NULL DEFAULT now(),
      CONSTRAINT "uq_courses_school_id_name" UNIQUE ("school_id", "name"))`);
    await q.query(`CREATE TABLE "memberships" (
      "course_id" uuid NOT NULL REFERENCES "courses"("id") ON DELETE CASCADE,
      "user_id" uuid NOT NULL REFERENCES "users"("id") ON DELETE CASCADE,
      "role" text NOT NULL,
      "created_at" ${TS} NOT NULL DEFAULT now(),
      PRIMARY KEY ("course_id", "user_id"))`);
    await q.query(`CREATE INDEX "idx_memberships_user_id" ON "memberships" ("user_id")`);
    await q.query(`CREATE TABLE "minute_grants" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "course_id" uuid NOT NULL REFERENCES "courses"("id") ON DELETE CASCADE,
      "user_id" uuid NOT NULL REFERENCES "users"("id") ON DELETE CASCADE,
      "minutes" integer NOT NULL, "week_start" ${TS} NOT NULL,
      "granted_by" text NOT NULL, "reason" text NOT NULL DEFAULT '',
      "created_at" ${TS} NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX "idx_minute_grants_course_user_week" ON "minute_grants" ("course_id", "user_id", "week_start")`);
    await q.query(`CREATE TABLE "refresh_tokens" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "user_id" uuid NOT NULL REFERENCES "users"("id") ON DELETE CASCADE,
      "family_id" uuid NOT NULL,
      "token_hash" text NOT NULL CONSTRAINT "uq_refresh_tokens_hash" UNIQUE,
      "expires_at" ${TS} NOT NULL, "revoked_at" ${TS},
      "created_at" ${TS} NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX "idx_refresh_tokens_family_id" ON "refresh_tokens" ("family_id")`);
    await q.query(`CREATE TABLE "api_tokens" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "user_id" uuid NOT NULL REFERENCES "users"("id") ON DELETE CASCADE,
      "name" text NOT NULL, "prefix" text NOT NULL,
      "token_hash" text NOT NULL CONSTRAINT "uq_api_tokens_hash" UNIQUE,
      "expires_at" ${TS}, "last_used_at" ${TS}, "revoked_at" ${TS},
      "created_at" ${TS} NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX "idx_api_tokens_user_id" ON "api_tokens" ("user_id")`);
    await q.query(`CREATE TABLE "audit_events" (
      "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      "school_id" uuid, "actor_id" uuid, "actor_label" text NOT NULL,
      "action" text NOT NULL, "target_type" text NOT NULL, "target_id" text,
      "detail" jsonb, "ip" text,
      "created_at" ${TS} NOT NULL DEFAULT now())`);
    await q.query(`CREATE INDEX "idx_audit_events_created_at" ON "audit_events" ("created_at")`);
    await q.query(`CREATE INDEX "idx_audit_events_school_id_created_at" ON "audit_events" ("school_id", "created_at")`);
    // Labs are owned; pool labs (not yet claimed) have no course or owner, so the columns stay nullable.
    await q.query(`ALTER TABLE "labs" ADD "school_id" uuid REFERENCES "schools"("id") ON DELETE RESTRICT,
      ADD "course_id" uuid REFERENCES "courses"("id") ON DELETE RESTRICT,
      ADD "owner_id" uuid REFERENCES "users"("id") ON DELETE RESTRICT`);
    await q.query(`CREATE INDEX "idx_labs_school_id" ON "labs" ("school_id")`);
    await q.query(`CREATE INDEX "idx_labs_course_id_status" ON "labs" ("course_id", "status")`);
    await q.query(`CREATE INDEX "idx_labs_owner_id_status" ON "labs" ("owner_id", "status")`);
    await q.query(`INSERT INTO "schools" ("id", "name", "slug") VALUES ($1, 'Default school', 'default')`, [DEFAULT_SCHOOL_ID]);
    await q.query(`INSERT INTO "courses" ("id", "school_id", "name", "labs_per_student") VALUES ($1, $2, 'Default course', 1000)`, [DEFAULT_COURSE_ID, DEFAULT_SCHOOL_ID]);
    await q.query(`UPDATE "labs" SET "school_id" = $1, "course_id" = $2 WHERE "course_id" IS NULL`, [DEFAULT_SCHOOL_ID, DEFAULT_COURSE_ID]);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "labs" DROP COLUMN "owner_id", DROP COLUMN "course_id", DROP COLUMN "school_id"`);
    for (const table of ['audit_events', 'api_tokens', 'refresh_tokens', 'minute_grants', 'memberships', 'courses', 'identities', 'users', 'schools']) {
      await q.query(`DROP TABLE "${table}"`);
    }
  }
}
