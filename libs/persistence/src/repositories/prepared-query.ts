import { DataSource, EntityManager } from 'typeorm';

interface PgQueryable {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * Runs one statement as a named (prepared) statement straight on the pool TypeORM holds: Postgres
 * parses and plans it once per connection, and no TypeORM query runner is made for it. For the
 * hot single-statement reads every request makes (outside any transaction); `name` must be unique
 * to `text`.
 */
export async function preparedQuery<R>(db: DataSource, name: string, text: string, values: unknown[]): Promise<R[]> {
  const pool = (db.driver as unknown as { master: PgQueryable }).master;
  return (await pool.query({ name, text, values })).rows as R[];
}

/** `preparedQuery` in the manager's transaction when it has one (on its connection), else on the pool. */
export async function preparedQueryIn<R>(em: EntityManager, name: string, text: string, values: unknown[]): Promise<R[]> {
  const runner = em.queryRunner as unknown as { databaseConnection?: PgQueryable; isTransactionActive: boolean } | undefined;
  if (!runner?.isTransactionActive || !runner.databaseConnection) return preparedQuery<R>(em.connection, name, text, values);
  return (await runner.databaseConnection.query({ name, text, values })).rows as R[];
}
