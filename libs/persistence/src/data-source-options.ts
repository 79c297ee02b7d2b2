import { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/**
 * One definition for the app, the migration step and the tests. The short connect timeout is
 * what turns a database outage into a 503 within a second instead of a hanging request; it also
 * bounds the wait for a pooled connection. A classroom rush (30 requests at once) is answered
 * sooner by 10 connections than by 25: on a small host, fewer Postgres backends compete for the
 * CPU, and requests waiting for a connection are served in arrival order. Idle connections are
 * kept for minutes, not seconds: a new one is a new backend whose catalog caches start cold.
 */
export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    // Postgres cancels a statement (lock waits included) after 9 s, before pg's own 10 s timeout:
    // a query pg gives up on leaves its connection half-open, and the pool handed it out again
    // (every later request on it failed: "current transaction is aborted"). pg's timeout stays
    // for a server that does not answer at all.
    extra: { connectionTimeoutMillis: 1000, statement_timeout: 9_000, query_timeout: 10_000, max: 10, idleTimeoutMillis: 10 * 60_000 },
  };
}
