import { MigrationInterface, QueryRunner } from 'typeorm';

/** A template may give each student a Kubernetes namespace of their own (its quota as JSON). Only adds. */
export class TemplateKubernetes1765300000000 implements MigrationInterface {
  name = 'TemplateKubernetes1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "templates" ADD "kubernetes" jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "templates" DROP COLUMN "kubernetes"`);
  }
}
