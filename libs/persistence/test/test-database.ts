import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/data-source-options';
import { MIGRATIONS } from '../src/migrations';

/** A connection to a test database (`createTestDatabase` of @labfleet/testing) that knows `migrations`, none run yet. */
export async function connect(url: string, migrations: DataSource['options']['migrations'] = MIGRATIONS): Promise<DataSource> {
  return new DataSource({ ...dataSourceOptions(url), migrations } as ConstructorParameters<typeof DataSource>[0]).initialize();
}
