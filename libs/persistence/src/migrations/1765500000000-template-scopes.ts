import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Templates made by teachers: a scope (global, a school's, a course's), a version that every edit
 * raises, with the older definitions kept for the labs made of them, and retirement. Names become
 * unique per namespace (global, or one school) instead of everywhere.
 */
export class TemplateScopes1765500000000 implements MigrationInterface {
  name = 'TemplateScopes1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "templates" ADD "scope" text NOT NULL DEFAULT 'global'`);
    await q.query(`ALTER TABLE "templates" ADD "school_id" uuid REFERENCES "schools"("id") ON DELETE CASCADE`);
    await q.query(`ALTER TABLE "templates" ADD "course_id" uuid REFERENCES "courses"("id") ON DELETE CASCADE`);
    await q.query(`ALTER TABLE "templates" ADD "version" integer NOT NULL DEFAULT 1`);
    await q.query(`ALTER TABLE "templates" ADD "retired_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "templates" ADD CONSTRAINT "chk_templates_scope" CHECK (
      (scope = 'global' AND school_id IS NULL AND course_id IS NULL) OR
      (scope = 'school' AND school_id IS NOT NULL AND course_id IS NULL) OR
      (scope = 'course' AND school_id IS NOT NULL AND course_id IS NOT NULL))`);
    await q.query(`ALTER TABLE "templates" DROP CONSTRAINT "UQ_5624219dd33b4644599d4d4b231"`);
    // Global names are also taken in every school; the API checks that under a lock (`insertScoped`).
    await q.query(`CREATE UNIQUE INDEX "uq_templates_namespace_name" ON "templates" (coalesce("school_id", '00000000-0000-0000-0000-000000000000'::uuid), "name")`);
    await q.query(`CREATE INDEX "idx_templates_course_id" ON "templates" ("course_id") WHERE "course_id" IS NOT NULL`);
    await q.query(`CREATE TABLE "template_versions" (
      "template_id" uuid NOT NULL REFERENCES "templates"("id") ON DELETE CASCADE,
      "version" integer NOT NULL,
      "definition" jsonb NOT NULL,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "pk_template_versions" PRIMARY KEY ("template_id", "version"))`);
    await q.query(`ALTER TABLE "labs" ADD "template_version" integer NOT NULL DEFAULT 1`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "labs" DROP COLUMN "template_version"`);
    await q.query(`DROP TABLE "template_versions"`);
    await q.query(`DROP INDEX "idx_templates_course_id"`);
    await q.query(`DROP INDEX "uq_templates_namespace_name"`);
    await q.query(`DELETE FROM "templates" WHERE "scope" <> 'global'`);
    await q.query(`ALTER TABLE "templates" ADD CONSTRAINT "UQ_5624219dd33b4644599d4d4b231" UNIQUE ("name")`);
    await q.query(`ALTER TABLE "templates" DROP CONSTRAINT "chk_templates_scope"`);
    for (const column of ['retired_at', 'version', 'course_id', 'school_id', 'scope']) await q.query(`ALTER TABLE "templates" DROP COLUMN "${column}"`);
  }
}
