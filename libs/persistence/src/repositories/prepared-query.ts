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

/** A statement that reads rows by id, its condition left for `preparedByIds` to fill in: `$1` is the id(s). */
export type ByIdsStatement = { readonly name: string; readonly sql: (where: string) => string; readonly column: string };

/**
 * Rows for `ids` (none for none), `rest` being `$2`... One id is read with `column = $1`, whose
 * generic plan Postgres keeps; several with `= ANY($1)`, which it plans again at every execution
 * (a custom plan knows the array's length), costing more than the query itself.
 */
export function preparedByIds<R>(em: EntityManager, statement: ByIdsStatement, ids: readonly string[], rest: unknown[] = []): Promise<R[]> {
  if (ids.length === 0) return Promise.resolve([]);
  const { name, sql, column } = statement;
  return ids.length === 1
    ? preparedQueryIn<R>(em, name, sql(`${column} = $1`), [ids[0], ...rest])
    : preparedQueryIn<R>(em, `${name}-many`, sql(`${column} = ANY($1::uuid[])`), [ids, ...rest]);
}
