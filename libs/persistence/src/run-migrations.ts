import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';

/** Applies pending migrations; the separate deploy step (`npm run migrate`) and tests use it. */
export async function runMigrations(databaseUrl: string): Promise<string[]> {
  const ds = await new DataSource(dataSourceOptions(databaseUrl)).initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}
