import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { ConfigModule } from '@labfleet/config';
import { LabStatus } from '@labfleet/contracts';
import { PoolRepository } from '@labfleet/persistence';
import { LabJobsService } from '@labfleet/queue';
import { createTestDatabase, eventually, EVENTS_PER_ENDED_LAB, insertEndedHistory, insertLabs, insertTemplate, settledTableReads, TestDatabase, testConfig } from '@labfleet/testing';
import { LabCountersService } from '../src/lab-counters.service';
import { LabLifecycleModule } from '../src/lab-lifecycle.module';
import { MetricsService } from '../src/metrics.service';

jest.setTimeout(120_000);

/** The history: labs that ended weeks ago, 100 000 events. */
const ENDED_LABS = 20_000;
const SCRAPES = 5;

const settledReads = (db: Client) => settledTableReads(db, ['labs', 'lab_events']);

/**
 * What a /metrics scrape costs does not depend on the history's length: with 100 000 lab events
 * and 20 000 ended labs behind it, a scrape reads no event and only the live labs (and the last
 * day's failures), as Postgres's own table statistics show. The counts that grow with the
 * history come from the counters kept in Redis as things happen.
 */
describe('/metrics cost with a long history', () => {
  const instance = `mc${Date.now().toString(36)}`;
  let db: TestDatabase;
  let sql: Client;
  let redis: IORedis;
  let docker: string;
  let swarm: string;
  let liveRows = 0;

  async function withApp<T>(fn: (app: INestApplicationContext) => Promise<T>): Promise<T> {
    const config = testConfig(instance, { DATABASE_URL: db.url, REDIS_KEY_PREFIX: instance, CAPACITY_CPUS: '8', CAPACITY_MEMORY_MB: '16384' });
    @Module({ imports: [ConfigModule.forRoot(config), LabLifecycleModule] })
    class MetricsTestModule {}
    const app = await NestFactory.createApplicationContext(MetricsTestModule, { logger: false });
    try {
      // The Redis connection answers only once connected (no offline queue).
      await eventually(() => app.get(LabJobsService).ping(), { what: 'Redis to answer' });
      return await fn(app);
    } finally {
      await app.close();
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = new IORedis('redis://127.0.0.1:6379', { lazyConnect: true });
    await redis.connect();
    const seed = new Client({ connectionString: db.url });
    await seed.connect();
    try {
      docker = await insertTemplate(seed, 'docker');
      swarm = await insertTemplate(seed, 'swarm-3');
      expect(await insertEndedHistory(seed, { docker, swarm }, ENDED_LABS)).toBe(ENDED_LABS * EVENTS_PER_ENDED_LAB);
      // Now: labs at every live stage, and two recent failures (one a pool lab, ended a second ago:
      // "the last minute" is the database's clock when the scrapes run, well after this).
      const now = new Date();
      const live = [
        { templateId: docker, status: LabStatus.Ready, count: 3 },
        { templateId: docker, status: LabStatus.Ready, count: 1, claimed: true },
        { templateId: docker, status: LabStatus.Ready, count: 2, pooled: true },
        { templateId: docker, status: LabStatus.Pending, count: 1, pooled: true },
        { templateId: swarm, status: LabStatus.Provisioning, count: 1 },
        { templateId: docker, status: LabStatus.Stopping, count: 1 },
        { templateId: docker, status: LabStatus.Failed, count: 1, pooled: true, createdAt: new Date(now.getTime() - 60_000), endedAt: new Date(now.getTime() - 1000) },
        { templateId: docker, status: LabStatus.Failed, count: 1, createdAt: new Date(now.getTime() - 3 * 3600_000), endedAt: new Date(now.getTime() - 2 * 3600_000) },
      ];
      for (const rows of live) await insertLabs(seed, { createdAt: now, ...rows });
      liveRows = live.reduce((n, r) => n + r.count, 0);
      // As autovacuum leaves a table that has grown: statistics current, pages all-visible.
      await seed.query(`VACUUM ANALYZE labs, lab_events`);
      const { rows } = await seed.query(`SELECT (SELECT count(*) FROM lab_events)::int AS events, (SELECT count(*) FROM labs)::int AS labs`);
      expect(rows[0].events).toBeGreaterThanOrEqual(100_000);
      expect(rows[0].labs).toBe(ENDED_LABS + liveRows);
    } finally {
      await seed.end();
    }
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await redis?.del(`${instance}:counters`);
    redis?.disconnect();
    await db?.drop();
  });

  it(`${SCRAPES} scrapes read no lab event and only the live labs, never the ${ENDED_LABS} ended ones`, async () => {
    const before = await settledReads(sql);
    const texts = await withApp(async (app) => {
      const metrics = app.get(MetricsService);
      const out: string[] = [];
      for (let i = 0; i < SCRAPES; i++) out.push(await metrics.render());
      return out;
    });
    const after = await settledReads(sql);

    expect(after.lab_events).toEqual(before.lab_events);
    expect(after.labs.seqScans).toBe(before.labs.seqScans);
    const labRowsPerScrape = (after.labs.rowsRead - before.labs.rowsRead) / SCRAPES;
    // Each scrape's queries (labs by status, pool counts, capacity) read each live or recently failed lab a few times at most.
    expect(labRowsPerScrape).toBeLessThanOrEqual(4 * liveRows);
    // ...and they saw what is live.
    const text = texts.at(-1)!;
    expect(text).toContain('labfleet_labs{status="ready",template="docker",pool="false"} 4\n');
    expect(text).toContain('labfleet_labs{status="ready",template="docker",pool="true"} 2\n');
    expect(text).toContain('labfleet_labs{status="stopping",template="docker",pool="false"} 1\n');
    expect(text).not.toMatch(/^labfleet_labs\{status="(stopped|failed)"/m);
    expect(text).toContain('labfleet_pool_labs{template="docker",state="idle"} 2\n');
    expect(text).toContain('labfleet_pool_labs{template="docker",state="warming"} 1\n');
  });

  it('a scrape shows the counts recorded as labs became ready, were handed out and ended, from any process', async () => {
    // Two processes (an API and a worker) count; a third answers the scrape.
    await withApp(async (app) => {
      const counters = app.get(LabCountersService);
      await counters.labRequested('pool');
      await counters.labRequested('cold');
      await counters.labEnded({ template: 'docker', status: LabStatus.Stopped, pooled: false });
    });
    await withApp(async (app) => {
      const counters = app.get(LabCountersService);
      await counters.labReady(400);
      await counters.labReady(1800);
      await counters.labReady(150_000);
      await counters.labRequested('cold');
      await counters.labEnded({ template: 'swarm-3', status: LabStatus.Failed, pooled: true });
    });
    const text = await withApp((app) => app.get(MetricsService).render());
    for (const line of [
      'labfleet_lab_requests_total{source="pool"} 1',
      'labfleet_lab_requests_total{source="cold"} 2',
      'labfleet_labs_ended_total{status="stopped",template="docker",pool="false"} 1',
      'labfleet_labs_ended_total{status="failed",template="swarm-3",pool="true"} 1',
      'labfleet_provision_duration_seconds_bucket{le="0.5"} 1',
      'labfleet_provision_duration_seconds_bucket{le="2"} 2',
      'labfleet_provision_duration_seconds_bucket{le="120"} 2',
      'labfleet_provision_duration_seconds_bucket{le="+Inf"} 3',
      'labfleet_provision_duration_seconds_sum 152.2',
      'labfleet_provision_duration_seconds_count 3',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
  });

  it('the pool counts read only recent rows and agree with a count over the whole table', async () => {
    // What the counts were before they stopped reading the history: the same answer is expected.
    // (Asked on a session of its own, whose reads are counted before the measurement starts.)
    const other = new Client({ connectionString: db.url });
    await other.connect();
    const { rows: reference } = await other.query(
      `SELECT template_id,
              count(*) FILTER (WHERE course_id IS NULL AND status = 'ready')::int AS idle,
              count(*) FILTER (WHERE course_id IS NULL AND status IN ('pending', 'provisioning'))::int AS warming,
              count(*) FILTER (WHERE course_id IS NOT NULL AND status IN ('ready', 'pending', 'provisioning'))::int AS claimed,
              count(*) FILTER (WHERE status IN ('ready', 'pending', 'provisioning'))::int AS total,
              count(*) FILTER (WHERE status = 'failed' AND ended_at > now() - interval '1 day')::int AS failed,
              count(*) FILTER (WHERE status = 'failed' AND course_id IS NULL AND ended_at > now() - interval '1 minute')::int AS pool_failed,
              max(claimed_at) AS last_claim
         FROM labs GROUP BY template_id`,
    );
    await other.end();
    const before = await settledReads(sql);
    const counts = await withApp((app) => app.get(PoolRepository).counts());
    const after = await settledReads(sql);

    expect(after.labs.seqScans).toBe(before.labs.seqScans);
    expect(after.labs.rowsRead - before.labs.rowsRead).toBeLessThanOrEqual(2 * liveRows);
    expect(counts.size).toBe(2);
    for (const r of reference) {
      const c = counts.get(r.template_id)!;
      expect({ idle: c.idle, warming: c.warming, claimed: c.claimed, total: c.total, failedLastDay: c.failedLastDay, poolFailedLastMinute: c.poolFailedLastMinute }).toEqual({
        idle: r.idle,
        warming: r.warming,
        claimed: r.claimed,
        total: r.total,
        failedLastDay: r.failed,
        poolFailedLastMinute: r.pool_failed,
      });
      if (r.last_claim === null) expect(c.sinceLastClaimSeconds).toBeNull();
      else expect(Math.abs(c.sinceLastClaimSeconds! - (Date.now() - r.last_claim.getTime()) / 1000)).toBeLessThan(60);
    }
    expect(counts.get(docker)).toMatchObject({ idle: 2, warming: 1, failedLastDay: 2, poolFailedLastMinute: 1 });
    expect(counts.get(swarm)).toMatchObject({ idle: 0, warming: 0, total: 1, failedLastDay: 0 });
  });
});
