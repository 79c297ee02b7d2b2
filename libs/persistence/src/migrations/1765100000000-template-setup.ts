import { MigrationInterface, QueryRunner } from 'typeorm';

/** Templates may run set-up steps on their nodes after provisioning (e.g. form a swarm). Only adds. */
export class TemplateSetup1765100000000 implements MigrationInterface {
  name = 'TemplateSetup1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "templates" ADD "setup" jsonb NOT NULL DEFAULT '[]'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "templates" DROP COLUMN "setup"`);
  }
}
