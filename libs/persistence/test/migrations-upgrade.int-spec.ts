import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '@labfleet/testing';
import { ENTITIES } from '../src/entities';
import { MIGRATIONS } from '../src/migrations';
import { runMigrations } from '../src/run-migrations';
import { MIGRATION_FIXTURES } from './migration-fixtures';
import { connect } from './test-database';

jest.setTimeout(60_000);

const NAMES = MIGRATIONS.map((m) => m.name);
/** The schema of the release before this one: every migration but the two added since. */
const PREVIOUS_RELEASE = MIGRATIONS.length - 2;

type Snapshot = Record<string, unknown[]>;

/** Every table's rows (all columns, in a stable order), but TypeORM's own bookkeeping. */
async function snapshot(ds: DataSource, columnsOf?: Record<string, string[]>): Promise<Snapshot> {
  const tables: { table_name: string }[] = await ds.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations' ORDER BY 1`);
  const out: Snapshot = {};
  for (const { table_name: table } of tables) {
    if (columnsOf && !columnsOf[table]) continue;
    const columns = columnsOf?.[table] ?? (await columnNames(ds, table));
    const list = columns.map((c) => `"${c}"`).join(', ');
    out[table] = await ds.query(`SELECT ${list} FROM "${table}" ORDER BY ROW(${list})::text`);
  }
  return out;
}

async function columnNames(ds: DataSource, table: string): Promise<string[]> {
  const rows: { column_name: string }[] = await ds.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`, [table]);
  return rows.map((r) => r.column_name);
}

async function schemaColumns(ds: DataSource): Promise<Record<string, string[]>> {
  const tables = Object.keys(await snapshot(ds));
  return Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await columnNames(ds, t)] as const)));
}

async function applied(ds: DataSource): Promise<string[]> {
  return (await ds.query(`SELECT name FROM migrations ORDER BY timestamp`)).map((r: { name: string }) => r.name);
}

async function withDb<T>(url: string, fn: (ds: DataSource) => Promise<T>, migrations = MIGRATIONS): Promise<T> {
  const ds = await connect(url, migrations);
  try {
    return await fn(ds);
  } finally {
    await ds.destroy();
  }
}

it('every migration has its fixture entry, in order', () => {
  expect(Object.keys(MIGRATION_FIXTURES)).toEqual(NAMES);
});

/**
 * For each migration N: an installation whose schema ends just before N, holding rows in every
 * table and column that schema has, is upgraded to the latest schema. Its rows survive with their
 * values, the upgrade fills what it adds, the app's entities read every row, and undoing down to
 * before N gives back exactly the rows that were there.
 */
describe.each(NAMES.slice(1).map((name, i) => [i + 1, name] as const))('upgrading an installation whose schema ends before migration %i (%s)', (n, name) => {
  const release = n === PREVIOUS_RELEASE ? ' (the previous release)' : '';
  const before = NAMES.slice(0, n);
  const after = NAMES.slice(n);
  let db: TestDatabase;
  let old: { rows: Snapshot; columns: Record<string, string[]> };

  beforeAll(async () => {
    db = await createTestDatabase(false);
    old = await withDb(
      db.url,
      async (ds) => {
        expect((await ds.runMigrations({ transaction: 'each' })).map((m) => m.name)).toEqual(before);
        for (const m of before) await MIGRATION_FIXTURES[m].seed?.(ds);
        return { rows: await snapshot(ds), columns: await schemaColumns(ds) };
      },
      MIGRATIONS.slice(0, n),
    );
  });
  afterAll(() => db?.drop());

  it(`applies ${after.join(', ')} on its data${release}, keeping every row and value`, async () => {
    expect(Object.values(old.rows).flat().length).toBeGreaterThan(0);
    expect(await runMigrations(db.url)).toEqual(after);
    await withDb(db.url, async (ds) => {
      expect(await snapshot(ds, old.columns)).toEqual(old.rows);
      const invalid = await ds.query(`SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND NOT convalidated`);
      expect(invalid).toEqual([]);
    });
  });

  it('fills in what the later migrations add, as each one promises', async () => {
    await withDb(db.url, async (ds) => {
      for (const m of after) await MIGRATION_FIXTURES[m].upgraded?.(ds);
    });
  });

  it("the app's entities read every upgraded row", async () => {
    await withDb(db.url, async (ds) => {
      for (const entity of ENTITIES) {
        const meta = ds.getMetadata(entity);
        const [{ n: count }] = await ds.query(`SELECT count(*)::int AS n FROM "${meta.tableName}"`);
        expect([meta.tableName, (await ds.getRepository(entity).find()).length]).toEqual([meta.tableName, count]);
      }
    });
  });

  it(`undoing down to before ${name} gives back the old rows exactly; upgrading again works`, async () => {
    await withDb(db.url, async (ds) => {
      for (let i = 0; i < after.length; i++) await ds.undoLastMigration({ transaction: 'each' });
      expect(await applied(ds)).toEqual(before);
      expect(await schemaColumns(ds)).toEqual(old.columns);
      expect(await snapshot(ds)).toEqual(old.rows);
    });
    expect(await runMigrations(db.url)).toEqual(after);
    await withDb(db.url, async (ds) => expect(await snapshot(ds, old.columns)).toEqual(old.rows));
  });
});
