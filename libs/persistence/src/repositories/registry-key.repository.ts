import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface RegistrySigningKey {
  readonly privateKeyPem: string;
  readonly certificatePem: string;
}

/** The course registry's signing key (one row). */
@Injectable()
export class RegistryKeyRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async find(): Promise<RegistrySigningKey | null> {
    const rows: { private_key_pem: string; certificate_pem: string }[] = await this.db.query(`SELECT private_key_pem, certificate_pem FROM registry_signing_keys WHERE id = 1`);
    return rows[0] ? { privateKeyPem: rows[0].private_key_pem, certificatePem: rows[0].certificate_pem } : null;
  }

  /** Stores the key unless one is there already; returns the one stored (the first writer wins). */
  async insertOrGet(key: RegistrySigningKey): Promise<RegistrySigningKey> {
    await this.db.query(`INSERT INTO registry_signing_keys (id, private_key_pem, certificate_pem) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING`, [key.privateKeyPem, key.certificatePem]);
    return (await this.find())!;
  }
}
