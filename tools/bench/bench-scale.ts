/**
 * The control plane at a district's scale, on a simulated lab backend.
 *
 *   npm run bench:scale                  (build, then node dist/tools/bench/bench-scale.js)
 *   npm run bench:scale -- --scale 0.1   (a tenth of every count, for a quick run)
 *
 * 1. one Labfleet stack (the real compiled API and one worker, own database and Redis prefix) whose
 *    processes run with `--require scale/simulated-provider.preload.js`: the lab backend is
 *    `SimulatedProvider` (no container is made; which labs "run" is a Redis hash both processes
 *    read; SIMULATION_PROVISION_MS 300, SIMULATION_CALL_MS 2, SIMULATION_FAILURE_RATE 0 unless set);
 *    the API is CPU-profiled during the stream (`scale/cpu-profile.preload.ts`);
 * 2. seeds (`seedDistrict`, server-side SQL): 50 schools, 10 000 accounts, a 500-student course and
 *    4 courses in each other school, 2 000 live labs (rows and simulated runtime), and a 120-day term
 *    of ended labs up to 1 000 000 `lab_events`; a warm pool of `docker` labs;
 * 3. quiet measurements: two reconcile passes (a reconcile job on the worker's queue, timed to its
 *    end), `GET /metrics` and the usage report of the 500-student course over the term;
 * 4. the sustained stream (`RequestMix`), open loop, in steps of BENCH_STEP_SECONDS (15) at 5, 10,
 *    20, ... lab requests/s (half claims from the pool, half cold starts, each lab deleted by its
 *    student 2 s later) with, per lab request, 1 exec and ½ extend on a live lab, ½ course list,
 *    and 1 usage report a second; until a step's p99 passes 1 s, 2 % of requests fail, or fewer
 *    than 80 % of the offered lab requests are admitted;
 * 5. Postgres bytes per live lab (database size / live labs, and a live lab's own rows) and Redis
 *    bytes per live lab (MEMORY USAGE of the installation's keys, the simulation's hash left out);
 * 6. each step's CPU by process (`ProcessCpu`: API, worker, Postgres, Redis, this client, the rest),
 *    where the API's time went (its CPU profile, by package and function), a table metric |
 *    measured | target | met, and one JSON line (BENCH_SCALE_SUMMARY ...).
 *
 * Options: --scale F or BENCH_SCALE (1), BENCH_STEP_SECONDS (15), BENCH_POOL (200 × scale),
 * BENCH_MAX_RATE (640). Network: loopback only (Postgres, Redis, the stack's API). Exits non-zero
 * only when something failed (a request failing below saturation, a stuck lab; not a missed target); the database and Redis keys go in `finally`.
 */
import { Queue, QueueEvents } from 'bullmq';
import IORedis from 'ioredis';
import jwt from 'jsonwebtoken';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { JobName, QueueName } from '@labfleet/queue';
import { eventually, REPO_ROOT, TEST_JWT_SECRET, withClient } from '@labfleet/testing';
import { count, loadavg, percentile, sleep, printMetricTable } from './bench-kit';
import { BenchRun } from './bench-run';
import { CpuSplit, cpuSplitLine, pidsNamed, ProcessCpu } from './process-cpu';
import { summarizeProfile } from './scale/cpu-profile';
import { ENDPOINTS, Endpoint, Person, RequestMix, StepResult } from './scale/request-mix';
import { DistrictSize, seedDistrict } from './scale/scale-seeder';
import { SimulatedProvider } from './scale/simulated-provider';

const SCALE = scaleOption();
const STEP_SECONDS = count('BENCH_STEP_SECONDS', 15, 1);
const FIRST_RATE = 5;
const MAX_RATE = count('BENCH_MAX_RATE', 640, FIRST_RATE);
const POOL = count('BENCH_POOL', Math.round(200 * SCALE), 1);
const SIZE: DistrictSize = {
  schools: Math.max(3, Math.round(50 * SCALE)),
  accounts: Math.round(10_000 * SCALE),
  liveLabs: Math.round(2000 * SCALE),
  events: Math.round(1_000_000 * SCALE),
  largeCourse: Math.round(500 * SCALE),
  coursesPerSchool: 4,
  termDays: 120,
};
const TARGET = { admitted: 200, p99Ms: 250, reconcileMs: 2000, usageMs: 500 };
const BREAK = { p99Ms: 1000, errorShare: 0.02, admittedShare: 0.8 };
const HOLD_MS = 2000;
const SCRAPES = 20;
const USAGE_REPORTS = 10;

function scaleOption(): number {
  const at = process.argv.indexOf('--scale');
  const raw = at >= 0 ? process.argv[at + 1] : process.env.BENCH_SCALE;
  if (raw === undefined || raw === '') return 1;
  const n = Number(raw);
  if (!(n > 0 && n <= 1)) throw new Error(`--scale must be a number in (0, 1], got '${raw}'`);
  return n;
}

const ms = (n: number) => `${n.toFixed(n < 10 ? 1 : 0)} ms`;
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

const tokenOf = (userId: string) => jwt.sign({ typ: 'access' }, TEST_JWT_SECRET, { algorithm: 'HS256', subject: userId, issuer: 'labfleet', audience: 'labfleet-api', expiresIn: 3600 });

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const value = await fn();
  return [performance.now() - t, value];
}

async function get(url: string, token: string): Promise<void> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(60_000) });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${body.slice(0, 200)}`);
}

/** Bytes of the installation's Redis keys (the simulation's own hash left out). */
async function redisBytes(redis: IORedis, prefix: string): Promise<{ bytes: number; keys: number }> {
  let cursor = '0';
  let bytes = 0;
  let keys = 0;
  const sim = SimulatedProvider.keyOf(prefix);
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of batch.filter((k) => k !== sim)) {
      bytes += (await redis.memory('USAGE', key)) ?? 0;
      keys++;
    }
  } while (cursor !== '0');
  return { bytes, keys };
}

function stepLine(r: StepResult): string {
  const parts = ENDPOINTS.map((e) => `${e} ${ms(percentile(r.latencies[e], 50))}/${ms(percentile(r.latencies[e], 99))}${r.errors[e] ? ` (${r.errors[e]} err)` : ''}`);
  return `  offered ${r.offered}/s: admitted ${r.admittedPerSecond.toFixed(1)}/s (pool hits ${r.poolHits}), load ${loadavg()[0].toFixed(1)}; p50/p99 ${parts.join(', ')}${r.notSent ? `; not sent ${r.notSent}` : ''}`;
}

const worstP99 = (r: StepResult) => Math.max(...ENDPOINTS.map((e) => percentile(r.latencies[e], 99)).filter((n) => !Number.isNaN(n)));
const errorShare = (r: StepResult) => {
  const sent = ENDPOINTS.reduce((n, e) => n + r.latencies[e].length, 0);
  return ENDPOINTS.reduce((n, e) => n + r.errors[e], 0) / Math.max(1, sent);
};

async function main(): Promise<number> {
  let mix: RequestMix | undefined;
  const run = new BenchRun(() => mix?.cancel());
  return run.main(
    async () => {
      const { errors } = run;
      const profileFile = join(mkdtempSync(join(tmpdir(), 'bench-scale-')), 'api.cpuprofile');
      const preload = join(REPO_ROOT, 'dist/tools/bench/scale/simulated-provider.preload.js');
      const profiler = join(REPO_ROOT, 'dist/tools/bench/scale/cpu-profile.preload.js');
      console.log(`scale ${SCALE}: ${JSON.stringify(SIZE)}; pool ${POOL}; steps of ${STEP_SECONDS} s; load ${loadavg().join(' ')}`);
      let t = performance.now();
      const env = {
        RATE_LIMIT_LABS_PER_ADDRESS_PER_MINUTE: '100000',
        RATE_LIMIT_LABS_PER_MINUTE: '100000',
        PROVISION_CONCURRENCY: '20',
        WORKER_CONCURRENCY: '50',
        POOL_TICK_SECONDS: '1',
      };
      const stack = await run.startStack({ ...env, NODE_OPTIONS: `--require ${preload} --require ${profiler}`, BENCH_CPU_PROFILE: profileFile }, 0);
      await stack.startWorker({ NODE_OPTIONS: `--require ${preload}` });
      const prefix = stack.instance.instance;
      const admin = stack.client;
      console.log(`stack: instance ${prefix}, API ${admin.baseUrl} (simulated backend), 1 worker, in ${((performance.now() - t) / 1000).toFixed(1)} s`);

      const redis = new IORedis('redis://127.0.0.1:6379');
      const queueConnection = new IORedis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
      const maintenance = new Queue(QueueName.Maintenance, { connection: queueConnection, prefix });
      const events = new QueueEvents(QueueName.Maintenance, { connection: queueConnection.duplicate(), prefix });
      try {
        t = performance.now();
        const seeded = await withClient(stack.instance.db.url, async (db) => {
          const template = (await db.query<{ id: string; version: number }>(`SELECT id, version FROM templates WHERE name = 'docker'`)).rows[0];
          return seedDistrict(db, SIZE, template, redis, prefix, (line) => console.log(`  seed: ${line} (${((performance.now() - t) / 1000).toFixed(1)} s)`));
        });
        const seedSeconds = (performance.now() - t) / 1000;
        console.log(`seeded in ${seedSeconds.toFixed(1)} s: ${seeded.eventsInserted} lab_events, ${seeded.endedLabs} ended labs, ${seeded.live.length} live labs`);

        const pool = await admin.request('PUT', '/api/v1/pools/docker', { min: POOL, max: null });
        if (pool.status !== 200) throw new Error(`PUT /pools/docker: ${pool.status} ${JSON.stringify(pool.body)}`);
        await eventually(
          async () => {
            const { body } = await admin.get<{ pools: { template: string; idle: number }[] }>('/api/v1/pools');
            const idle = body.pools.find((p) => p.template === 'docker')?.idle ?? 0;
            if (idle < POOL) throw new Error(`${idle} of ${POOL} idle`);
          },
          { timeoutMs: 300_000, intervalMs: 500, what: `the pool to hold ${POOL} idle labs` },
        );

        // 3. quiet: reconcile, /metrics, usage report
        const reconcileMs: number[] = [];
        for (let i = 0; i < 2; i++) {
          const [took] = await timed(async () => (await maintenance.add(JobName.Reconcile, {}, { removeOnComplete: true })).waitUntilFinished(events, 60_000));
          reconcileMs.push(took);
        }
        console.log(`reconcile over ${seeded.live.length + POOL} live labs: ${reconcileMs.map(ms).join(', ')}`);
        const scrapes: number[] = [];
        for (let i = 0; i < SCRAPES; i++) scrapes.push((await timed(() => get(`${admin.baseUrl}/metrics`, 'test-admin-token-0123456789')))[0]);
        const from = seeded.termStart.toISOString();
        const to = new Date().toISOString();
        const usage: number[] = [];
        for (let i = 0; i < USAGE_REPORTS; i++) usage.push((await timed(() => get(`${admin.baseUrl}/api/v1/courses/${seeded.largeCourseId}/usage?from=${from}&to=${to}`, 'test-admin-token-0123456789')))[0]);
        console.log(`/metrics p50 ${ms(percentile(scrapes, 50))}, p99 ${ms(percentile(scrapes, 99))}; usage report (${SIZE.largeCourse} students, ${SIZE.termDays} days) p50 ${ms(percentile(usage, 50))}, max ${ms(Math.max(...usage))}`);

        // 4. the sustained stream, ramped
        // Signed when first used: 10 000 signatures up front would take the shared CPU the stream needs.
        const person = (p: { userId: string; courseId: string }): Person => {
          let token: string | undefined;
          return {
            get token() {
              return (token ??= tokenOf(p.userId));
            },
            courseId: p.courseId,
          };
        };
        mix = new RequestMix({
          baseUrl: admin.baseUrl,
          free: seeded.free.map(person),
          live: seeded.live.map((l) => ({ labId: l.labId, owner: person(l) })),
          teachers: seeded.teachers.map(person),
          coldTemplate: 'swarm-3',
          poolTemplate: 'docker',
          holdMs: HOLD_MS,
        });
        const steps: StepResult[] = [];
        const splits: CpuSplit[] = [];
        const cpu = new ProcessCpu(
          { api: () => [stack.api.pid], worker: () => stack.workers.map((w) => w.pid), postgres: () => pidsNamed('postgres'), redis: () => pidsNamed('redis-server'), bench: () => [process.pid] },
          cpus().length,
        );
        process.kill(stack.api.pid, 'SIGWINCH');
        for (let rate = FIRST_RATE; rate <= MAX_RATE; rate *= 2) {
          run.throwIfStopping();
          cpu.start();
          const r = await mix.step(rate, STEP_SECONDS);
          const split = cpu.stop();
          steps.push(r);
          splits.push(split);
          console.log(stepLine(r));
          console.log(`    ${cpuSplitLine(split)}`);
          for (const s of r.samples.slice(0, 3)) console.log(`    ${s}`);
          if (worstP99(r) > BREAK.p99Ms || errorShare(r) > BREAK.errorShare || r.admittedPerSecond < BREAK.admittedShare * rate) break;
        }
        process.kill(stack.api.pid, 'SIGWINCH');
        const best = steps.reduce((a, b) => (b.admittedPerSecond > a.admittedPerSecond ? b : a));
        const withinTarget = steps.filter((s) => worstP99(s) <= TARGET.p99Ms && errorShare(s) <= BREAK.errorShare);
        const sustainable = withinTarget.length ? withinTarget.reduce((a, b) => (b.admittedPerSecond > a.admittedPerSecond ? b : a)) : undefined;

        // 5. memory per live lab (after the stream, once the worker has ended the mix's labs)
        await eventually(
          async () =>
            withClient(stack.instance.db.url, async (db) => {
              const n = Number((await db.query(`SELECT count(*) AS n FROM labs WHERE status IN ('pending', 'provisioning', 'stopping')`)).rows[0].n);
              if (n > 0) throw new Error(`${n} labs still starting or stopping`);
            }),
          { timeoutMs: 120_000, intervalMs: 500, what: 'the labs of the stream to end' },
        );
        const pg = await withClient(stack.instance.db.url, async (db) => {
          const row = (
            await db.query<{ live: string; db: string; own: string }>(
              `SELECT (SELECT count(*) FROM labs WHERE status = 'ready') AS live, pg_database_size(current_database()) AS db,
                      (SELECT avg(pg_column_size(l.*)) + avg((SELECT sum(pg_column_size(n.*)) FROM lab_nodes n WHERE n.lab_id = l.id))
                              + avg((SELECT sum(pg_column_size(e.*)) FROM lab_events e WHERE e.lab_id = l.id))
                         FROM labs l WHERE l.status = 'ready') AS own`,
            )
          ).rows[0];
          return { live: Number(row.live), dbBytes: Number(row.db), ownBytes: Number(row.own) };
        });
        const rd = await redisBytes(redis, prefix);

        // 6. where the API's time went during the stream
        await eventually(async () => statSync(profileFile), { timeoutMs: 30_000, intervalMs: 200, what: "the API's CPU profile" }).catch(() => undefined);
        const profile = existsSync(profileFile) ? summarizeProfile(profileFile) : undefined;
        if (!profile) errors.push('the API wrote no CPU profile');
        else {
          console.log(`\nwhere the API's time went during the stream (busy ${(profile.busy * 100).toFixed(0)} % of it; self time, share of busy):`);
          console.log(`  by package: ${profile.byPackage.map((p) => `${p.name} ${(p.share * 100).toFixed(1)} %`).join(', ')}`);
          for (const f of profile.byFunction) console.log(`  ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.name}`);
        }

        // Past saturation requests may fail (the ramp stops there); below it, a failed request is a fault.
        for (const s of steps.slice(0, -1)) for (const e of ENDPOINTS) if (s.errors[e] > 0) errors.push(`${s.errors[e]} ${e} request(s) failed at ${s.offered}/s offered: ${s.samples.join(' | ')}`);
        const at = sustainable ?? best;
        const rows: [string, string, string, boolean | null][] = [
          ['admitted lab requests/s at saturation', best.admittedPerSecond.toFixed(1), `≥ ${TARGET.admitted}`, best.admittedPerSecond >= TARGET.admitted],
          ['admitted lab requests/s with every p99 ≤ 250 ms', sustainable ? sustainable.admittedPerSecond.toFixed(1) : 'none', `≥ ${TARGET.admitted}`, (sustainable?.admittedPerSecond ?? 0) >= TARGET.admitted],
          ...ENDPOINTS.map((e): [string, string, string, boolean | null] => [
            `${e} p50 / p99 at ${at.offered}/s offered`,
            `${ms(percentile(at.latencies[e], 50))} / ${ms(percentile(at.latencies[e], 99))}`,
            `p99 ≤ ${TARGET.p99Ms} ms`,
            percentile(at.latencies[e], 99) <= TARGET.p99Ms,
          ]),
          [`reconcile pass over ${seeded.live.length + POOL} labs (1st / 2nd)`, `${ms(reconcileMs[0])} / ${ms(reconcileMs[1])}`, `≤ ${TARGET.reconcileMs} ms`, Math.max(...reconcileMs) <= TARGET.reconcileMs],
          ['/metrics p50 / p99 (quiet)', `${ms(percentile(scrapes, 50))} / ${ms(percentile(scrapes, 99))}`, '-', null],
          [`usage report, ${SIZE.largeCourse} students over ${SIZE.termDays} days (p50 / max)`, `${ms(percentile(usage, 50))} / ${ms(Math.max(...usage))}`, `≤ ${TARGET.usageMs} ms`, Math.max(...usage) <= TARGET.usageMs],
          ['Postgres per live lab: database / live labs', kib(pg.dbBytes / pg.live), '-', null],
          ["Postgres per live lab: its own rows (lab, node, events)", `${pg.ownBytes.toFixed(0)} B`, '-', null],
          [`Redis per live lab (${rd.keys} keys of the installation)`, kib(rd.bytes / pg.live), '-', null],
        ];
        console.log(`\nscale ${SCALE}, load ${loadavg().join(' ')}`);
        printMetricTable(rows);
        const summary = {
          scale: SCALE,
          size: SIZE,
          seedSeconds: Math.round(seedSeconds),
          admittedPerSecond: Number(best.admittedPerSecond.toFixed(1)),
          sustainablePerSecond: sustainable ? Number(sustainable.admittedPerSecond.toFixed(1)) : null,
          steps: steps.map((s, i) => ({
            offered: s.offered,
            admitted: Number(s.admittedPerSecond.toFixed(1)),
            p50: Object.fromEntries(ENDPOINTS.map((e) => [e, Math.round(percentile(s.latencies[e], 50))])) as Record<Endpoint, number>,
            p99: Object.fromEntries(ENDPOINTS.map((e) => [e, Math.round(percentile(s.latencies[e], 99))])) as Record<Endpoint, number>,
            errors: ENDPOINTS.reduce((n, e) => n + s.errors[e], 0),
            cpuPct: Object.fromEntries(Object.entries(splits[i].byRole).map(([role, pct]) => [role, Math.round(pct)])),
            hostPct: Math.round(splits[i].host),
          })),
          reconcileMs: reconcileMs.map(Math.round),
          metricsMs: { p50: Math.round(percentile(scrapes, 50)), p99: Math.round(percentile(scrapes, 99)) },
          usageMs: { p50: Math.round(percentile(usage, 50)), max: Math.round(Math.max(...usage)) },
          pgBytesPerLiveLab: Math.round(pg.dbBytes / pg.live),
          pgOwnRowBytes: Math.round(pg.ownBytes),
          redisBytesPerLiveLab: Math.round(rd.bytes / pg.live),
          apiTopPackages: profile?.byPackage.slice(0, 6).map((p) => `${p.name} ${(p.share * 100).toFixed(1)}%`),
          load1: loadavg()[0],
        };
        console.log(`BENCH_SCALE_SUMMARY ${JSON.stringify(summary)}`);
        await run.printOutcome();
        return errors.length ? 1 : 0;
      } finally {
        await events.close();
        await maintenance.close();
        await queueConnection.quit();
        await redis.quit();
        await sleep(0);
      }
    },
    () => run.describeStacks(),
  );
}

void main().then((code) => process.exit(code));
