import { eventually } from './eventually';
import type { Sql } from './lab-history';

/** How often Postgres read a table, from its statistics (`pg_stat_user_tables`). */
export interface TableReads {
  readonly seqScans: number;
  /** Rows read by sequential scans plus rows fetched through indexes. */
  readonly rowsRead: number;
}

/**
 * The tables' read counts once every other session of the database has ended: a backend reports
 * its reads to the statistics when it ends, before it leaves `pg_stat_activity`, so then every
 * read so far is counted (a live session reports only from time to time). `db` is a session of
 * the database in question; close the others (an application's pool) first.
 */
export async function settledTableReads<T extends string>(db: Sql, tables: readonly T[]): Promise<Record<T, TableReads>> {
  await eventually(
    async () => {
      const { rows } = (await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`)) as { rows: { n: number }[] };
      if (rows[0].n > 0) throw new Error(`${rows[0].n} other session(s) still open`);
    },
    { what: 'the other sessions of the database to end' },
  );
  await db.query(`SELECT pg_stat_clear_snapshot()`);
  const { rows } = (await db.query(
    `SELECT relname, seq_scan::float8 AS seq, (seq_tup_read + coalesce(idx_tup_fetch, 0))::float8 AS read FROM pg_stat_user_tables WHERE relname = ANY($1)`,
    [tables],
  )) as { rows: { relname: T; seq: number; read: number }[] };
  const reads = Object.fromEntries(rows.map((r) => [r.relname, { seqScans: r.seq, rowsRead: r.read }])) as Record<T, TableReads>;
  for (const table of tables) if (!reads[table]) throw new Error(`no statistics for table ${table}`);
  return reads;
}
