/**
 * What the pool benchmarks share (bench:rush, bench:density, bench:under-load): the pool and lab
 * views of the API, filling the pool, a rush of students claiming labs at once, host CPU and load
 * sampled during it, and number formats.
 */
import { count, describe, percentile, sleep } from './bench-kit';
import { MIB, TEMPLATE } from './bench-labs';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ApiClient, Person } from '@labfleet/testing';

export const POLL_MS = count('BENCH_POLL_MS', 50, 5);
export const LAB_TIMEOUT_MS = count('BENCH_LAB_TIMEOUT_MS', 180_000, 1000);

export const since = (t0: number) => performance.now() - t0;
// ---------------------------------------------------------------------------------------------
// Statistics and formatting

export const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
export const maxOf = (xs: readonly number[]) => (xs.length ? Math.max(...xs) : NaN);
export const minOf = (xs: readonly number[]) => (xs.length ? Math.min(...xs) : NaN);
export const ms = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? 'n/a' : `${Math.round(v)} ms`);
export const s = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? 'n/a' : `${(v / 1000).toFixed(2)} s`);
export const mib = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? 'n/a' : `${(v / MIB).toFixed(1)} MiB`);
export const round = (v: number, digits = 0) => (Number.isFinite(v) ? Math.round(v * 10 ** digits) / 10 ** digits : null);

export function spread(values: readonly number[], unit: (v: number) => string): string {
  if (values.length === 0) return 'n/a';
  return `p50 ${unit(percentile(values, 50))}, p95 ${unit(percentile(values, 95))}, p99 ${unit(percentile(values, 99))}, max ${unit(maxOf(values))} (n=${values.length})`;
}

// ---------------------------------------------------------------------------------------------
// Host load: /proc/loadavg and /proc/stat every 250 ms

export interface CpuTimes {
  readonly busy: number;
  readonly total: number;
  readonly running: number;
}

export function readStat(): CpuTimes {
  const text = readFileSync('/proc/stat', 'utf8');
  const cpu = text.split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user/nice)
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = cpu[3] + (cpu[4] ?? 0);
  const running = Number(/^procs_running\s+(\d+)/m.exec(text)?.[1] ?? NaN);
  return { busy: total - idle, total, running };
}
export const load1 = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

export interface HostLoad {
  readonly samples: number;
  /** The 1-min load when the rush began: what else the (shared) host was doing. */
  readonly loadBefore: number;
  /** CPU use in the 2 s before the rush (the idle labs, the rest of the stack, other runs). */
  readonly cpuBeforePct: number;
  readonly peakLoad1: number;
  readonly peakCpuPct: number;
  readonly meanCpuPct: number;
  /** Most runnable tasks seen at once (procs_running): an instant view, unlike the 1-min load. */
  readonly peakRunnable: number;
}

/** Host CPU use over the next `ms`, in %. */
export async function cpuOver(ms: number): Promise<number> {
  const a = readStat();
  await sleep(ms);
  const b = readStat();
  return (100 * (b.busy - a.busy)) / Math.max(1, b.total - a.total);
}

export class HostSampler {
  private timer?: NodeJS.Timeout;
  private prev = readStat();
  private peakLoad1 = load1();
  private readonly cpu: number[] = [];
  private peakRunnable = 0;
  private loadBefore = NaN;

  constructor(private readonly cpuBeforePct: number) {}

  start(): this {
    this.prev = readStat();
    this.loadBefore = this.peakLoad1 = load1();
    this.timer = setInterval(() => this.sample(), 250);
    return this;
  }

  private sample(): void {
    try {
      const now = readStat();
      const dt = now.total - this.prev.total;
      if (dt > 0) this.cpu.push((100 * (now.busy - this.prev.busy)) / dt);
      this.prev = now;
      if (Number.isFinite(now.running)) this.peakRunnable = Math.max(this.peakRunnable, now.running);
      this.peakLoad1 = Math.max(this.peakLoad1, load1());
    } catch {
      // /proc unreadable: no sample
    }
  }

  stop(): HostLoad {
    clearInterval(this.timer);
    this.sample();
    return { samples: this.cpu.length, loadBefore: this.loadBefore, cpuBeforePct: this.cpuBeforePct, peakLoad1: this.peakLoad1, peakCpuPct: maxOf(this.cpu), meanCpuPct: mean(this.cpu), peakRunnable: this.peakRunnable };
  }
}

export const loadLine = (h: HostLoad) =>
  `host during the rush (${h.samples} samples, 250 ms): before: CPU ${h.cpuBeforePct.toFixed(0)}% (2 s), 1-min load ${h.loadBefore.toFixed(2)}; peak 1-min load ${h.peakLoad1.toFixed(2)}, peak CPU ${h.peakCpuPct.toFixed(0)}%, mean CPU ${h.meanCpuPct.toFixed(0)}%, peak runnable tasks ${h.peakRunnable}`;

export function memAvailable(): number {
  const kb = Number(/^MemAvailable:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? NaN);
  return kb * 1024;
}

// ---------------------------------------------------------------------------------------------
// Through the API

export interface Lab {
  id: string;
  status: string;
  ownerId: string | null;
  courseId: string | null;
  claimedAt: string | null;
  createdAt: string;
  readyAt: string | null;
  queuePosition: number | null;
  failureReason: string | null;
}

export interface PoolsView {
  pools: { template: string; minIdle: number; maxTotal: number | null; target: number; idle: number; warming: number; claimed: number; failedLastDay: number }[];
  capacity: { cpus: number; memoryMb: number };
  reserved: { cpus: number; memoryMb: number };
  free: { cpus: number; memoryMb: number };
  waiting: number;
}

export function expect<T>(res: { status: number; body: any }, what: string, status = 200): T {
  if (res.status !== status) throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as T;
}

/**
 * The pools view. Asked again once when the request fails without an answer: on a loaded host a
 * kept-alive connection the API closes as idle can race the next request ("fetch failed").
 */
export async function pools(admin: ApiClient): Promise<PoolsView> {
  const res = await admin.get('/api/v1/pools').catch(async (e) => {
    console.warn(`  GET /api/v1/pools: ${describe(e)}; asking again`);
    await sleep(250);
    return admin.get('/api/v1/pools');
  });
  return expect<PoolsView>(res, 'GET /api/v1/pools');
}

export const poolOf = (view: PoolsView) => view.pools.find((p) => p.template === TEMPLATE)!;

export async function setPool(admin: ApiClient, min: number, max: number | null = null): Promise<void> {
  expect(await admin.request('PUT', `/api/v1/pools/${TEMPLATE}`, { min, max }), `PUT /api/v1/pools/${TEMPLATE} {min: ${min}, max: ${max}}`);
}

/** The distinct reasons of the latest failed labs (any course, pool labs included). */
export async function failureReasons(admin: ApiClient): Promise<string[]> {
  const res = await admin.get('/api/v1/labs?status=failed&limit=100');
  if (res.status !== 200) return [`(GET failed labs: HTTP ${res.status})`];
  const counts = new Map<string, number>();
  for (const lab of res.body.items as Lab[]) counts.set(lab.failureReason ?? '?', (counts.get(lab.failureReason ?? '?') ?? 0) + 1);
  return [...counts].map(([reason, n]) => `${n}× ${reason}`);
}

/** Every lab of the course in the given statuses (all pages). */
export async function courseLabs(admin: ApiClient, courseId: string, statuses: string): Promise<Lab[]> {
  const labs: Lab[] = [];
  for (let offset = 0; ; offset += 100) {
    const page = expect<{ items: Lab[]; total: number }>(await admin.get(`/api/v1/labs?course=${courseId}&status=${statuses}&limit=100&offset=${offset}`), 'GET /api/v1/labs');
    labs.push(...page.items);
    if (page.items.length < 100 || labs.length >= page.total) return labs;
  }
}

export interface Outcome {
  /** performance.now() when `ready` was first seen. */
  readyAt?: number;
  lab?: Lab;
  error?: string;
}

/**
 * Waits for every lab in `ids` to be ready, with one admin list request per POLL_MS (not one per
 * lab: 30 students polling every 25 ms would be 1200 requests a second on a 2-core host).
 */
export async function waitAllReady(admin: ApiClient, courseId: string, ids: readonly string[]): Promise<Map<string, Outcome>> {
  const out = new Map<string, Outcome>();
  const t0 = performance.now();
  while (out.size < ids.length) {
    let labs: Lab[];
    try {
      labs = await courseLabs(admin, courseId, 'pending,provisioning,ready,failed,stopping');
    } catch (e) {
      for (const id of ids) if (!out.has(id)) out.set(id, { error: describe(e) });
      break;
    }
    const at = performance.now();
    const seen = new Map(labs.map((l) => [l.id, l]));
    for (const id of ids) {
      if (out.has(id)) continue;
      const lab = seen.get(id);
      if (!lab) {
        const one = await admin.get(`/api/v1/labs/${id}`);
        out.set(id, { error: `lab ${id} is ${one.status === 200 ? one.body.status : `HTTP ${one.status}`} (not ready)` });
      } else if (lab.status === 'ready') out.set(id, { readyAt: at, lab });
      else if (lab.status === 'failed') out.set(id, { error: `lab ${id} failed: ${lab.failureReason}` });
      else if (lab.status === 'stopping') out.set(id, { error: `lab ${id} is stopping before it was ready` });
    }
    if (out.size < ids.length && at - t0 > LAB_TIMEOUT_MS) {
      for (const id of ids) if (!out.has(id)) out.set(id, { error: `lab ${id} still ${seen.get(id)?.status ?? '?'} after ${LAB_TIMEOUT_MS} ms` });
    }
    if (out.size < ids.length) await sleep(POLL_MS);
  }
  return out;
}

export interface RushSample {
  readonly student: Person;
  /** performance.now() just before the POST. */
  readonly t0: number;
  /** Date.now() just before the POST (to compare with server timestamps: same host). */
  readonly sentAt: number;
  /** Pool hits: POST sent → claimedAt, Postgres now() in the claim, i.e. when its transaction began. */
  toClaimTxMs?: number;
  postMs?: number;
  id?: string;
  /** Served from the pool: ready with claimedAt in the POST's answer. */
  hit?: boolean;
  /** Waited in the admission line (pending with a queuePosition). */
  queued?: boolean;
  /** POST sent → ready (the POST's answer for a hit, the first poll that saw it ready otherwise). */
  readyMs?: number;
  /** readyAt − createdAt on the server (misses only: a pool lab's createdAt is when the pool made it). */
  serverMs?: number;
  error?: string;
}

export interface RushResult {
  readonly samples: RushSample[];
  /** performance.now() just before the first POST. */
  readonly startedAt: number;
  /** First POST sent → last lab ready. */
  readonly wallMs: number;
  readonly host: HostLoad;
}

/**
 * All students POST at once (Promise.all), then every miss is waited for. Before, as students on
 * the course page would, each loads /me (keep-alive connections open, auth path warm), and the
 * host's CPU use is read for 2 s.
 */
export async function rush(admin: ApiClient, courseId: string, students: readonly Person[], onStart: () => void = () => undefined): Promise<RushResult> {
  await Promise.all(students.map((p) => p.client.get('/api/v1/me')));
  const sampler = new HostSampler(await cpuOver(2000)).start();
  onStart();
  const start = performance.now();
  const samples = await Promise.all(
    students.map(async (student): Promise<RushSample> => {
      const t0 = performance.now();
      const sentAt = Date.now();
      try {
        const res = await student.client.post('/api/v1/labs', { course: courseId, template: TEMPLATE });
        const postMs = since(t0);
        if (res.status !== 202) return { student, t0, sentAt, postMs, error: `POST /api/v1/labs: HTTP ${res.status} ${JSON.stringify(res.body)}` };
        const lab = res.body as Lab;
        const hit = lab.status === 'ready' && lab.claimedAt !== null;
        const queued = lab.queuePosition !== null && lab.queuePosition !== undefined;
        const x: RushSample = { student, t0, sentAt, postMs, id: lab.id, hit, queued, readyMs: hit ? postMs : undefined, toClaimTxMs: hit ? Date.parse(lab.claimedAt!) - sentAt : undefined };
        if (lab.ownerId !== student.id) x.error = `lab ${lab.id} answered to ${student.email} belongs to ${lab.ownerId}`;
        return x;
      } catch (e) {
        return { student, t0, sentAt, error: `POST /api/v1/labs: ${describe(e)}` };
      }
    }),
  );
  const misses = samples.filter((x) => x.id && !x.hit && !x.error);
  if (misses.length) {
    const outcomes = await waitAllReady(admin, courseId, misses.map((x) => x.id!));
    for (const x of misses) {
      const o = outcomes.get(x.id!)!;
      if (o.error) x.error = o.error;
      else {
        x.readyMs = o.readyAt! - x.t0;
        x.serverMs = Date.parse(o.lab!.readyAt!) - Date.parse(o.lab!.createdAt);
      }
    }
  }
  const ends = samples.filter((x) => x.readyMs !== undefined).map((x) => x.t0 + x.readyMs!);
  const wallMs = ends.length ? Math.max(...ends) - start : NaN;
  return { samples, startedAt: start, wallMs, host: sampler.stop() };
}

/** Distinct labs and owners: a lab answered to two students is an error. */
export function checkDistinct(samples: RushSample[], errors: string[], label: string): number {
  const byId = new Map<string, RushSample[]>();
  for (const x of samples) if (x.id) byId.set(x.id, [...(byId.get(x.id) ?? []), x]);
  for (const [id, xs] of byId) {
    if (xs.length > 1) errors.push(`${label}: lab ${id} was given to ${xs.length} students (${xs.map((x) => x.student.email).join(', ')})`);
  }
  return byId.size;
}

export type PoolView = PoolsView['pools'][number];

export interface Fill {
  /** PUT → `min` labs idle; undefined when it did not get there. */
  readonly fillMs?: number;
  readonly firstIdleMs?: number;
  readonly pool: PoolView;
  /** Pool labs that failed while it filled. */
  readonly failed: number;
}

/**
 * Sets the pool to {min, max} and waits until `min` labs are idle, printing progress every 5 s.
 * Pool labs failing are errors; the pool is then held where it got (the product replaces a failed
 * pool lab at once, and a lab failing at once fails again: the loop would skew what follows).
 */
export async function fillPool(admin: ApiClient, min: number, max: number | null, timeoutMs: number, errors: string[]): Promise<Fill> {
  const failedBefore = poolOf(await pools(admin)).failedLastDay;
  const t = performance.now();
  await setPool(admin, min, max);
  let firstIdleMs: number | undefined;
  let fillMs: number | undefined;
  let lastReport = 0;
  let lastIdle = { idle: 0, at: 0 };
  let pool = poolOf(await pools(admin));
  for (;; pool = poolOf(await pools(admin))) {
    const failed = pool.failedLastDay - failedBefore;
    if (pool.idle > 0) firstIdleMs ??= since(t);
    if (pool.idle >= min) {
      fillMs = since(t);
      break;
    }
    if (since(t) - lastReport >= 5000) {
      lastReport = since(t);
      console.log(`  ${s(since(t)).padStart(8)}: idle ${pool.idle}, warming ${pool.warming}, failed ${failed}`);
    }
    if (pool.idle > lastIdle.idle) lastIdle = { idle: pool.idle, at: since(t) };
    if (failed >= min && since(t) - lastIdle.at > 15_000) {
      console.log(`  giving up: ${failed} pool labs failed and no lab became idle for 15 s`);
      break;
    }
    if (since(t) > timeoutMs) break;
    await sleep(250);
  }
  const failed = pool.failedLastDay - failedBefore;
  if (fillMs === undefined) errors.push(`pool did not reach ${min} idle labs (idle ${pool.idle}, warming ${pool.warming}, failed ${failed}) after ${s(since(t))}`);
  if (failed > 0) {
    errors.push(`${failed} pool lab(s) failed while the pool filled; reasons: ${(await failureReasons(admin)).join(' | ')}`);
    await setPool(admin, pool.idle, max === null ? null : pool.idle);
    console.log(`  pool labs failed: min lowered to ${pool.idle} (the idle count) to stop the refill-and-fail loop`);
  }
  console.log(`  pool filled: ${pool.idle} idle after ${s(fillMs)} (first idle after ${s(firstIdleMs)}; ${(min / ((fillMs ?? NaN) / 1000)).toFixed(2)} labs/s)`);
  return { fillMs, firstIdleMs, pool, failed };
}
