import { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/**
 * One definition for the app, the migration step and the tests. The short connect timeout is
 * what turns a database outage into a 503 within a second instead of a hanging request; it also
 * bounds the wait for a pooled connection, so the pool is sized for a classroom rush.
 */
export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    extra: { connectionTimeoutMillis: 1000, query_timeout: 10_000, max: 25 },
  };
}
