import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The key Labfleet signs course registry tokens with, and the certificate the registry trusts.
 * One row, made on first use by whichever process gets there first. Only adds.
 */
export class RegistrySigningKey1765700000000 implements MigrationInterface {
  name = 'RegistrySigningKey1765700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "registry_signing_keys" (
      "id" smallint PRIMARY KEY CHECK ("id" = 1),
      "private_key_pem" text NOT NULL,
      "certificate_pem" text NOT NULL,
      "created_at" timestamptz NOT NULL DEFAULT now())`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "registry_signing_keys"`);
  }
}
