import { MigrationInterface, QueryRunner } from 'typeorm';

/** A pending lab may wait for a cluster to find it room; the cluster's reason is shown. Only adds. */
export class LabPlacementWait1765200000000 implements MigrationInterface {
  name = 'LabPlacementWait1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "labs" ADD "wait_reason" text, ADD "waiting_since" timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "labs" DROP COLUMN "wait_reason", DROP COLUMN "waiting_since"`);
  }
}
