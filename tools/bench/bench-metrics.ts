/**
 * What a `/metrics` scrape costs as the history grows.
 *
 *   npm run bench:metrics        (build, then node dist/tools/bench/bench-metrics.js)
 *
 * 1. a database of its own (created and migrated, as the tests make theirs) and a Redis key prefix
 *    of its own; two templates and what is live in a class: 30 students' ready labs, 5 idle pool
 *    labs, 2 warming, 1 stopping;
 * 2. history added in steps so `lab_events` holds 0, 10 000 and 100 000 events of ended labs (five
 *    per lab: 0, 2 000 and 20 000 labs, weeks old; see `insertEndedHistory`), then VACUUM ANALYZE,
 *    as autovacuum leaves a table that has grown;
 * 3. at each step, in a Nest application context of `LabLifecycleModule` (the code the API's
 *    `GET /metrics` runs, without HTTP): 5 warm-up scrapes, then BENCH_SCRAPES (default 200; with
 *    50, p99 is the maximum and swings with the shared host's load) `MetricsService.render()` one
 *    after the other, timed; and how many rows of `labs` and `lab_events` those scrapes read, from
 *    Postgres's table statistics (`settledTableReads`);
 * 4. a table: metric | measured | target | met, and one JSON line (BENCH_METRICS_SUMMARY ...).
 *
 * Targets: scrape p99 ≤ 50 ms at 100 000 events, p50 at 100 000 events ≤ 1.5 × p50 at none (the
 * cost does not grow with the history), no `lab_events` row read. The host's 1-minute load is
 * printed beside each step (the machine is shared).
 *
 * Network: loopback only (Postgres, Redis). Exits non-zero only when something failed, never for
 * a missed target. The database is dropped in `finally`, also on Ctrl-C; nothing is written to Redis.
 */
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { ConfigModule } from '@labfleet/config';
import { LabStatus } from '@labfleet/contracts';
import { LabLifecycleModule, MetricsService } from '@labfleet/lab-lifecycle';
import {
  createTestDatabase,
  eventually,
  EVENTS_PER_ENDED_LAB,
  HistoryTemplates,
  insertEndedHistory,
  insertLabs,
  insertTemplate,
  settledTableReads,
  TestDatabase,
  testConfig,
  withClient,
} from '@labfleet/testing';
import { cleanUpOnSignal, count, describe, loadavg, percentile, printMetricTable } from './bench-kit';

const SCRAPES = count('BENCH_SCRAPES', 200, 1);
const WARMUP_SCRAPES = 5;
const STEPS = [0, 10_000, 100_000];
const TARGET_P99_MS = 50;
const TARGET_GROWTH = 1.5;

interface Step {
  readonly events: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Rows read per scrape. */
  readonly labsRows: number;
  readonly eventRows: number;
  readonly seqScans: number;
  readonly load1: number;
}

/** What is live during a class: what every scrape reads, whatever the history. */
async function insertClass(db: Client, t: HistoryTemplates): Promise<number> {
  const now = new Date();
  const live = [
    { templateId: t.docker, status: LabStatus.Ready, count: 30, claimed: true },
    { templateId: t.docker, status: LabStatus.Ready, count: 5, pooled: true },
    { templateId: t.docker, status: LabStatus.Provisioning, count: 2, pooled: true },
    { templateId: t.docker, status: LabStatus.Stopping, count: 1, claimed: true },
  ];
  for (const rows of live) await insertLabs(db, { createdAt: now, ...rows });
  return live.reduce((n, r) => n + r.count, 0);
}

async function measure(db: TestDatabase, instance: string, events: number): Promise<Step> {
  const config = testConfig(instance, { DATABASE_URL: db.url, REDIS_KEY_PREFIX: instance, CAPACITY_CPUS: '8', CAPACITY_MEMORY_MB: '16384' });
  @Module({ imports: [ConfigModule.forRoot(config), LabLifecycleModule] })
  class BenchMetricsModule {}
  return withClient(db.url, async (probe) => {
    const before = await settledTableReads(probe, ['labs', 'lab_events']);
    const times: number[] = [];
    let app: INestApplicationContext | undefined;
    try {
      app = await NestFactory.createApplicationContext(BenchMetricsModule, { logger: false });
      const metrics = app.get(MetricsService);
      // The first scrape waits for Redis to connect (its client has no offline queue).
      await eventually(() => metrics.render(), { what: 'a first scrape' });
      for (let i = 1; i < WARMUP_SCRAPES; i++) await metrics.render();
      for (let i = 0; i < SCRAPES; i++) {
        const t0 = performance.now();
        await metrics.render();
        times.push(performance.now() - t0);
      }
    } finally {
      await app?.close();
    }
    const after = await settledTableReads(probe, ['labs', 'lab_events']);
    const scrapes = WARMUP_SCRAPES + SCRAPES;
    return {
      events,
      p50: percentile(times, 50),
      p99: percentile(times, 99),
      max: Math.max(...times),
      labsRows: (after.labs.rowsRead - before.labs.rowsRead) / scrapes,
      eventRows: (after.lab_events.rowsRead - before.lab_events.rowsRead) / scrapes,
      seqScans: (after.labs.seqScans - before.labs.seqScans + after.lab_events.seqScans - before.lab_events.seqScans) / scrapes,
      load1: loadavg()[0],
    };
  });
}

async function main(): Promise<void> {
  const instance = `bench-metrics-${randomBytes(3).toString('hex')}`;
  let db: TestDatabase | undefined;
  const cleanup = async () => {
    await db?.drop().catch((e) => console.warn(`could not drop the database: ${describe(e)}`));
  };
  cleanUpOnSignal(cleanup);
  try {
    db = await createTestDatabase();
    const { templates, live } = await withClient(db.url, async (s) => {
      const t = { docker: await insertTemplate(s, 'docker'), swarm: await insertTemplate(s, 'swarm-3') };
      return { templates: t, live: await insertClass(s, t) };
    });
    console.log(`database ${db.name}: ${live} live labs; ${SCRAPES} timed scrapes per step after ${WARMUP_SCRAPES} warm-up ones`);
    const steps: Step[] = [];
    let events = 0;
    for (const target of STEPS) {
      const added = await withClient(db.url, async (s) => {
        const n = await insertEndedHistory(s, templates, (target - events) / EVENTS_PER_ENDED_LAB);
        await s.query('VACUUM ANALYZE labs, lab_events');
        return n;
      });
      events += added;
      const step = await measure(db, instance, events);
      steps.push(step);
      console.log(
        `  ${String(events).padStart(6)} events: p50 ${step.p50.toFixed(2)} ms, p99 ${step.p99.toFixed(2)} ms, max ${step.max.toFixed(2)} ms; ` +
          `per scrape ${step.labsRows.toFixed(1)} labs rows, ${step.eventRows.toFixed(1)} lab_events rows, ${step.seqScans.toFixed(2)} seq scans (load1 ${step.load1.toFixed(2)})`,
      );
    }

    const none = steps[0];
    const most = steps.at(-1)!;
    const growth = most.p50 / none.p50;
    const ms = (v: number) => `${v.toFixed(2)} ms`;
    const rows: [string, string, string, boolean | undefined][] = [
      ...steps.map((s): [string, string, string, undefined] => [`scrape p50 / p99 at ${s.events} events`, `${ms(s.p50)} / ${ms(s.p99)}`, '', undefined]),
      [`scrape p99 at ${most.events} events`, ms(most.p99), `≤ ${TARGET_P99_MS} ms`, most.p99 <= TARGET_P99_MS],
      [`p50 at ${most.events} events ÷ p50 at none`, `${growth.toFixed(2)}×`, `≤ ${TARGET_GROWTH}×`, growth <= TARGET_GROWTH],
      [`lab_events rows read per scrape at ${most.events} events`, most.eventRows.toFixed(1), '0', most.eventRows === 0],
      [`labs rows read per scrape at ${most.events} events (${live} live)`, most.labsRows.toFixed(1), '', undefined],
    ];
    console.log('');
    printMetricTable(rows);
    const summary = {
      scrapes: SCRAPES,
      liveLabs: live,
      steps: steps.map((s) => ({ events: s.events, p50Ms: +s.p50.toFixed(2), p99Ms: +s.p99.toFixed(2), labsRowsPerScrape: +s.labsRows.toFixed(1), eventRowsPerScrape: +s.eventRows.toFixed(1), load1: s.load1 })),
      growthP50: +growth.toFixed(2),
    };
    console.log(`BENCH_METRICS_SUMMARY ${JSON.stringify(summary)}`);
  } finally {
    console.log(`cleaning up: database ${db?.name ?? '(none)'}`);
    await cleanup();
  }
}

main().catch((e) => {
  console.error(`bench:metrics failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
});
