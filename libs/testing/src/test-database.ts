import { Client } from 'pg';
import { randomBytes } from 'node:crypto';
import { runMigrations } from '@labfleet/persistence';

/** The machine's Postgres (trust auth); tests create and drop databases of their own on it. */
export const ADMIN_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(migrate = true): Promise<TestDatabase> {
  const name = `labfleet_test_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = `postgres://postgres@127.0.0.1:5432/${name}`;
  if (migrate) await runMigrations(url);
  return {
    name,
    url,
    async drop() {
      const c = new Client({ connectionString: ADMIN_DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Runs `fn` on one connection to `url`, closed afterwards whatever happens. */
export async function withClient<T>(url: string, fn: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}
