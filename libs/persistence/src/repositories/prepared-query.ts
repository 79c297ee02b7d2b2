import { DataSource } from 'typeorm';

interface PgPool {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * Runs one statement as a named (prepared) statement straight on the pool TypeORM holds: Postgres
 * parses and plans it once per connection, and no TypeORM query runner is made for it. For the
 * hot single-statement reads every request makes (outside any transaction); `name` must be unique
 * to `text`.
 */
export async function preparedQuery<R>(db: DataSource, name: string, text: string, values: unknown[]): Promise<R[]> {
  const pool = (db.driver as unknown as { master: PgPool }).master;
  return (await pool.query({ name, text, values })).rows as R[];
}
