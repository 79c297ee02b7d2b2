import { MigrationInterface, QueryRunner } from 'typeorm';

const COLUMNS = ['lab_max_nodes', 'lab_max_cpus', 'lab_max_memory_mb', 'lab_max_pids', 'lab_max_disk_mb', 'lab_max_ttl_seconds'];

/** A school's caps on what one of its labs may ask for, set by platform admins. Null = only the platform's cap. Only adds. */
export class SchoolLabCaps1765900000000 implements MigrationInterface {
  name = 'SchoolLabCaps1765900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE "schools" ADD "lab_max_nodes" integer, ADD "lab_max_cpus" numeric(6,2), ADD "lab_max_memory_mb" integer, ` +
        `ADD "lab_max_pids" integer, ADD "lab_max_disk_mb" integer, ADD "lab_max_ttl_seconds" integer`,
    );
    await q.query(`ALTER TABLE "schools" ADD CONSTRAINT "chk_schools_lab_caps_positive" CHECK (${COLUMNS.map((c) => `("${c}" IS NULL OR "${c}" > 0)`).join(' AND ')})`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "schools" DROP CONSTRAINT "chk_schools_lab_caps_positive"`);
    await q.query(`ALTER TABLE "schools" ${COLUMNS.map((c) => `DROP COLUMN "${c}"`).join(', ')}`);
  }
}
