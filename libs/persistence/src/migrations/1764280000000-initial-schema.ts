import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764280000000 implements MigrationInterface {
  name = 'InitialSchema1764280000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "templates" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "name" text NOT NULL,
      "description" text NOT NULL DEFAULT '',
      "image" text,
      "nodes" integer NOT NULL DEFAULT 1,
      "cpus" numeric(6,2) NOT NULL,
      "memory_mb" integer NOT NULL,
      "pids_limit" integer NOT NULL,
      "disk_mb" integer,
      "ttl_seconds" integer NOT NULL,
      "images" jsonb NOT NULL DEFAULT '[]',
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "UQ_5624219dd33b4644599d4d4b231" UNIQUE ("name"),
      CONSTRAINT "PK_515948649ce0bbbe391de702ae5" PRIMARY KEY ("id"))`);
    await q.query(`CREATE TABLE "labs" (
      "id" uuid NOT NULL,
      "template_id" uuid NOT NULL,
      "status" text NOT NULL,
      "failure_reason" text,
      "provider" text NOT NULL,
      "handle" jsonb,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "ready_at" TIMESTAMP WITH TIME ZONE,
      "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "ended_at" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "PK_labs_id" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "idx_labs_template_id" ON "labs" ("template_id")`);
    await q.query(`CREATE INDEX "idx_labs_status" ON "labs" ("status")`);
    await q.query(`CREATE INDEX "idx_labs_created_at" ON "labs" ("created_at")`);
    await q.query(`CREATE TABLE "lab_nodes" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "lab_id" uuid NOT NULL,
      "name" text NOT NULL,
      "hostname" text NOT NULL,
      "runtime_id" text,
      "address" text,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_lab_nodes_id" PRIMARY KEY ("id"))`);
    await q.query(`CREATE UNIQUE INDEX "uq_lab_nodes_lab_id_name" ON "lab_nodes" ("lab_id", "name")`);
    await q.query(`CREATE TABLE "lab_events" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "lab_id" uuid NOT NULL,
      "from_status" text,
      "to_status" text NOT NULL,
      "actor" text NOT NULL,
      "detail" jsonb,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_lab_events_id" PRIMARY KEY ("id"))`);
    await q.query(`CREATE INDEX "idx_lab_events_lab_id_created_at" ON "lab_events" ("lab_id", "created_at")`);
    await q.query(`ALTER TABLE "labs" ADD CONSTRAINT "fk_labs_template_id" FOREIGN KEY ("template_id") REFERENCES "templates"("id") ON DELETE RESTRICT`);
    await q.query(`ALTER TABLE "lab_nodes" ADD CONSTRAINT "fk_lab_nodes_lab_id" FOREIGN KEY ("lab_id") REFERENCES "labs"("id") ON DELETE CASCADE`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "lab_events"`);
    await q.query(`DROP TABLE "lab_nodes"`);
    await q.query(`DROP TABLE "labs"`);
    await q.query(`DROP TABLE "templates"`);
  }
}
