import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/data-source-options';
import { MIGRATIONS } from '../src/migrations';

// Same approach as @labfleet/testing's createTestDatabase(): a database of our own on the machine's
// Postgres (trust auth), dropped afterwards. Not imported: persistence may not depend on the testing lib
// (which depends on persistence).
const ADMIN_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface Db {
  readonly url: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: ADMIN_DATABASE_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function createDatabase(): Promise<Db> {
  const name = `labfleet_test_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

export async function connect(url: string, migrations: DataSource['options']['migrations'] = MIGRATIONS): Promise<DataSource> {
  return new DataSource({ ...dataSourceOptions(url), migrations } as ConstructorParameters<typeof DataSource>[0]).initialize();
}

