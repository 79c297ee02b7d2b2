/**
 * Responsiveness under load: the terminal's keystroke echo and the port proxy's added latency
 * while a classroom rush is being served, next to the same on the idle stack.
 *
 *   npm run bench:under-load    (build, then node dist/tools/bench/bench-under-load.js)
 *
 * 1. setup: one Labfleet stack (real compiled API + one worker, as bench:rush: POOL_TICK_SECONDS=1,
 *    PROVISION_CONCURRENCY=4; CAPACITY_CPUS set so that every claim's refill is admitted), a course
 *    with BENCH_STUDENTS (30) students and one more whose own lab runs nginx on port 8080 (as
 *    bench:browser); the `docker` pool filled to BENCH_STUDENTS;
 * 2. two probes run without a pause from here to the end, side by side: the student's terminal
 *    (one keystroke at a time, the next once the echo came and >= BENCH_KEY_GAP_MS (5) after the
 *    previous send) and the port proxy (a GET through the proxy and one at the lab node directly,
 *    interleaved, one keep-alive connection each), every sample stamped with its send time;
 * 3. phases: `idle` (BENCH_IDLE_SECONDS, 10), then BENCH_RUSHES (2) times: `claims` (all students
 *    POST a lab at once: first POST → every lab ready, as bench:rush's warm rush), `refill` (→ the
 *    pool holds BENCH_STUDENTS idle labs again: the worker provisions a replacement per claim),
 *    then the students' labs are ended (not counted in any phase). "During the rush" is claims +
 *    refill; a sample belongs to the phase its send time falls in;
 * 4. per phase: samples, echo p50/p99/max, proxy and direct p50/p99, added latency (p50 proxy −
 *    p50 direct), the CPU the API and worker processes used (of one core: the API's JavaScript
 *    runs on one thread), the host's CPU busy, and the API's event-loop delay (bench-loop-delay.ts,
 *    preloaded into the stack's processes): where the time went;
 * 5. a metric | measured | target | met table (echo p99 ≤ 5 ms, proxy added p50 ≤ 5 ms during the
 *    rush) and one JSON line (BENCH_UNDER_LOAD_SUMMARY ...).
 *
 * Network: only loopback (the stack's API) and the lab node this run created (on the lab network
 * Labfleet made for it). Exits non-zero only when something failed, never for a missed target.
 * Everything it made is removed in `finally`, also on Ctrl-C.
 */
import { count, describe, loadavg, percentile, sleep, printMetricTable } from './bench-kit';
import { dockerTemplate, TEMPLATE } from './bench-labs';
import { checkDistinct, CpuTimes, fillPool, LAB_TIMEOUT_MS, loadLine, maxOf, poolOf, pools, readStat, round, rush, since } from './bench-pool';
import { processCpuMs } from './process-cpu';
import { nginxLab, ProxyProbe, sessionCookie, Terminal, Timed, typeKeys, WARMUP_KEYS } from './bench-probes';
import { BenchRun } from './bench-run';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { docker, Person, TenantBuilder } from '@labfleet/testing';

const N = count('BENCH_STUDENTS', 30, 1);
const RUSHES = count('BENCH_RUSHES', 2, 1);
const KEY_GAP_MS = count('BENCH_KEY_GAP_MS', 5);
const IDLE_MS = count('BENCH_IDLE_SECONDS', 10) * 1000;
const PROVISION_CONCURRENCY = count('BENCH_PROVISION_CONCURRENCY', 4, 1);

const TARGET_ECHO_P99_MS = 5;
const TARGET_PROXY_ADDED_P50_MS = 5;
const WARMUP_REQUESTS = 20;

const ms2 = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)} ms` : 'n/a');

interface Mark {
  readonly at: number;
  readonly api: number;
  readonly worker: number;
  readonly host: CpuTimes;
}

interface Phase {
  readonly name: 'idle' | 'claims' | 'refill';
  readonly from: Mark;
  readonly to: Mark;
}

const inPhases = (samples: readonly Timed[], phases: readonly Phase[]) => samples.filter((x) => phases.some((p) => x.at >= p.from.at && x.at <= p.to.at)).map((x) => x.ms);

interface PhaseStats {
  readonly phase: string;
  readonly seconds: number;
  readonly echo: number[];
  readonly proxy: number[];
  readonly direct: number[];
  readonly apiCpuPct: number;
  readonly workerCpuPct: number;
  readonly hostBusyPct: number;
  /** The API's largest event-loop delay in each 100 ms window of the phase, ms. */
  readonly loopDelay: number[];
}

/** The API's loop-delay windows (bench-loop-delay.ts): the end of each (performance.now() time) and its largest delay. */
function readLoopDelay(file: string): Timed[] {
  try {
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(' ').map(Number))
      .map(([wall, delay]) => ({ at: wall - performance.timeOrigin, ms: delay }));
  } catch {
    return [];
  }
}

function stats(label: string, phases: readonly Phase[], echo: readonly Timed[], proxy: readonly Timed[], direct: readonly Timed[], loop: readonly Timed[]): PhaseStats {
  const seconds = phases.reduce((a, p) => a + (p.to.at - p.from.at) / 1000, 0);
  const sum = (f: (p: Phase) => number) => phases.reduce((a, p) => a + f(p), 0);
  const total = sum((p) => p.to.host.total - p.from.host.total);
  return {
    phase: label,
    seconds,
    echo: inPhases(echo, phases),
    proxy: inPhases(proxy, phases),
    direct: inPhases(direct, phases),
    apiCpuPct: (100 * sum((p) => p.to.api - p.from.api)) / 1000 / seconds,
    workerCpuPct: (100 * sum((p) => p.to.worker - p.from.worker)) / 1000 / seconds,
    hostBusyPct: total > 0 ? (100 * sum((p) => p.to.host.busy - p.from.host.busy)) / total : NaN,
    // A window ends up to 100 ms after the phase's last moment it covers.
    loopDelay: loop.filter((w) => phases.some((p) => w.at >= p.from.at && w.at <= p.to.at + 100)).map((w) => w.ms),
  };
}

async function main(): Promise<number> {
  let stop = false;
  let term: Terminal | undefined;
  const tag = randomBytes(3).toString('hex');
  const loopFile = join(os.tmpdir(), `labfleet-bench-loop-delay-${tag}`);
  const removeLoopFiles = () => readdirSync(os.tmpdir()).filter((f) => f.startsWith(`labfleet-bench-loop-delay-${tag}.`)).forEach((f) => rmSync(join(os.tmpdir(), f), { force: true }));
  const run = new BenchRun(() => {
    stop = true;
    term?.close();
  });
  // The stacks' processes write these until they stop.
  run.removeLater(async () => removeLoopFiles());
  const { errors } = run;
  const loadAtStart = loadavg();
  return run.main(async () => {
    console.log(`host: nproc ${os.availableParallelism?.() ?? os.cpus().length}, RAM ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, load (1/5/15 min) ${loadAtStart.join(' ')}`);
    const { reservedCpus } = dockerTemplate();
    const overrides: Record<string, string> = {
      POOL_TICK_SECONDS: '1',
      PROVISION_CONCURRENCY: String(PROVISION_CONCURRENCY),
      WORKER_CONCURRENCY: '10',
      // The pool, the claimed labs, their replacements and the probe's lab.
      CAPACITY_CPUS: String(Math.ceil((3 * N + 1) * reservedCpus) + 1),
      RATE_LIMIT_LABS_PER_ADDRESS_PER_MINUTE: '10000',
      RATE_LIMIT_LABS_PER_MINUTE: '10000',
      NODE_OPTIONS: `--require ${join(__dirname, 'bench-loop-delay.js')}`,
      BENCH_LOOP_DELAY_FILE: loopFile,
    };
    let t = performance.now();
    const stack = await run.startStack(overrides);
    const admin = stack.client;
    const base = admin.baseUrl;
    const instance = stack.instance.instance;
    console.log(`stack: instance ${instance}, API ${base}, started in ${(since(t) / 1000).toFixed(1)} s; env ${Object.entries(overrides).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    const tenants = new TenantBuilder(admin);
    const school = await tenants.school(`under-load-${tag}`);
    // Each rush's labs are ended before the next; ending ones still count: one lab per rush.
    const course = await tenants.course(school.id, 'Under load', { labsPerStudent: Math.min(100, RUSHES) });
    const students: Person[] = [];
    for (let i = 0; i < N; i += 5) {
      const batch = await Promise.all(Array.from({ length: Math.min(5, N - i) }, (_, j) => tenants.person(school.id, 'student', `student-${String(i + j + 1).padStart(3, '0')}-${tag}@example.test`)));
      for (const p of batch) await tenants.enroll(course.id, p, 'student');
      students.push(...batch);
    }
    const { student, labId, address } = await nginxLab(stack, school.id, course.id, `probe-${tag}@example.test`, LAB_TIMEOUT_MS);
    console.log(`\nwarm: PUT /pools/${TEMPLATE} {min: ${N}}`);
    const fill = await fillPool(admin, N, null, LAB_TIMEOUT_MS, errors);
    if (fill.fillMs === undefined) throw new Error(`the pool did not fill to ${N}`);

    term = await Terminal.open(base, student, labId);
    await term.waitFor(/# /);
    await term.ready();
    await typeKeys(term, (i) => i < WARMUP_KEYS, KEY_GAP_MS);
    const proxyProbe = new ProxyProbe(`${base}/labs/${labId}/ports/8080/`, `http://${address}:8080/`, await sessionCookie(base, student));
    await proxyProbe.rounds((i) => i < WARMUP_REQUESTS);

    const mark = (): Mark => ({ at: performance.now(), api: processCpuMs(stack.api.pid), worker: processCpuMs(stack.workers[0].pid), host: readStat() });
    const phases: Phase[] = [];
    const echoing = typeKeys(term, () => !stop, KEY_GAP_MS).catch((e) => {
      errors.push(`terminal echo: ${describe(e)}`);
      return [] as Timed[];
    });
    const proxying = proxyProbe.rounds(() => !stop).catch((e) => {
      errors.push(`port proxy: ${describe(e)}`);
      return { proxy: [] as Timed[], direct: [] as Timed[] };
    });
    console.log(`\nprobes running (keys >= ${KEY_GAP_MS} ms apart; proxy and direct GETs interleaved); idle for ${IDLE_MS / 1000} s`);
    let from = mark();
    await sleep(IDLE_MS);
    phases.push({ name: 'idle', from, to: (from = mark()) });
    try {
      for (let r = 1; r <= RUSHES && !stop && errors.length === 0; r++) {
        let claimsFrom = mark();
        const result = await rush(admin, course.id, students, () => (claimsFrom = mark()));
        const claimsTo = mark();
        phases.push({ name: 'claims', from: claimsFrom, to: claimsTo });
        const label = `rush ${r}`;
        const distinct = checkDistinct(result.samples, errors, label);
        result.samples.forEach((x) => x.error && errors.push(`${label} (${x.student.email}): ${x.error}`));
        const hits = result.samples.filter((x) => x.hit).length;
        // Refill: until the pool holds N idle labs again.
        t = performance.now();
        let pool = poolOf(await pools(admin));
        while (pool.idle < N && since(t) < LAB_TIMEOUT_MS) {
          await sleep(250);
          pool = poolOf(await pools(admin));
        }
        if (pool.idle < N) errors.push(`${label}: the pool refilled to ${pool.idle} of ${N} in ${LAB_TIMEOUT_MS} ms`);
        phases.push({ name: 'refill', from: claimsTo, to: mark() });
        console.log(
          `${label}: ${N} claims in ${result.wallMs.toFixed(0)} ms (${hits} from the pool, ${distinct} distinct labs), refill ${(since(t) / 1000).toFixed(1)} s; ${loadLine(result.host)}`,
        );
        // The last rush's labs go with the clean-up; a failed DELETE ends the rushes, not what was measured.
        if (r === RUSHES) break;
        const ids = result.samples.flatMap((x) => (x.id ? [{ x, id: x.id }] : []));
        await Promise.all(ids.map(({ x, id }) => x.student.client.delete(`/api/v1/labs/${id}`).then((res) => res.status === 202 || errors.push(`DELETE lab ${id}: HTTP ${res.status} ${JSON.stringify(res.body)}`))));
        for (t = performance.now(); since(t) < LAB_TIMEOUT_MS; await sleep(250)) {
          const left = await docker.listContainers({ all: true, filters: { label: [`labfleet.instance=${instance}`, 'labfleet.role=lab'] } });
          if (!left.some((c) => ids.some((i) => i.id === c.Labels['labfleet.lab-id']))) break;
        }
      }
    } finally {
      stop = true;
    }
    const echo = await echoing;
    const { proxy, direct } = await proxying;
    proxyProbe.close();
    term.close();
    await run.noteForeign();

    const loop = readLoopDelay(`${loopFile}.${stack.api.pid}`);
    const rows = [
      stats('idle', phases.filter((p) => p.name === 'idle'), echo, proxy, direct, loop),
      stats('claims', phases.filter((p) => p.name === 'claims'), echo, proxy, direct, loop),
      stats('refill', phases.filter((p) => p.name === 'refill'), echo, proxy, direct, loop),
      stats('rush (claims + refill)', phases.filter((p) => p.name !== 'idle'), echo, proxy, direct, loop),
    ];
    const during = rows[3];
    const added = (x: PhaseStats) => percentile(x.proxy, 50) - percentile(x.direct, 50);
    const loadAtEnd = loadavg();
    console.log(`\n${'='.repeat(118)}`);
    console.log(`Labfleet under load: terminal echo and port proxy while ${N} students rush the warm pool (${RUSHES} rushes), percentiles nearest rank`);
    console.log(`load (1/5/15 min): start ${loadAtStart.join(' ')}, end ${loadAtEnd.join(' ')}; CPU: % of one core (API, worker), host busy % of ${os.availableParallelism?.() ?? os.cpus().length} CPUs`);
    console.log(`API loop: the API's largest event-loop delay per 100 ms window (ms), p50 and max over the phase's windows: a busy JavaScript thread, where CPU % says whose`);
    console.log('-'.repeat(118));
    console.log(
      `${'phase'.padEnd(24)}${'s'.padStart(6)}${'keys'.padStart(6)}${'echo p50'.padStart(10)}${'echo p99'.padStart(10)}${'echo max'.padStart(10)}${'GETs'.padStart(6)}${'proxy p50'.padStart(11)}${'proxy p99'.padStart(11)}` +
        `${'direct p50'.padStart(12)}${'added p50'.padStart(11)}${'API'.padStart(6)}${'worker'.padStart(8)}${'host'.padStart(6)}${'API loop p50/max'.padStart(18)}`,
    );
    const f = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
    for (const x of rows) {
      console.log(
        `${x.phase.padEnd(24)}${f(x.seconds, 1).padStart(6)}${String(x.echo.length).padStart(6)}${f(percentile(x.echo, 50)).padStart(10)}${f(percentile(x.echo, 99)).padStart(10)}${f(maxOf(x.echo)).padStart(10)}` +
          `${String(x.proxy.length).padStart(6)}${f(percentile(x.proxy, 50)).padStart(11)}${f(percentile(x.proxy, 99)).padStart(11)}${f(percentile(x.direct, 50)).padStart(12)}${f(added(x)).padStart(11)}` +
          `${f(x.apiCpuPct, 0).padStart(6)}${f(x.workerCpuPct, 0).padStart(8)}${f(x.hostBusyPct, 0).padStart(6)}${`${f(percentile(x.loopDelay, 50), 1)}/${f(maxOf(x.loopDelay), 1)}`.padStart(18)}`,
      );
    }
    console.log('-'.repeat(118));
    const echoP99 = percentile(during.echo, 99);
    const addedP50 = added(during);
    const met = (v: number, target: number) => (Number.isFinite(v) ? (v <= target ? 'yes' : 'NO') : 'n/a');
    const table: [string, string, string, string][] = [
      [`terminal echo p99 during the rush (n=${during.echo.length})`, ms2(echoP99), `≤ ${TARGET_ECHO_P99_MS} ms`, met(echoP99, TARGET_ECHO_P99_MS)],
      [`terminal echo p99 during the claims alone (n=${rows[1].echo.length})`, ms2(percentile(rows[1].echo, 99)), '', ''],
      [`terminal echo p99 idle (n=${rows[0].echo.length})`, ms2(percentile(rows[0].echo, 99)), '', ''],
      [`proxy added p50 during the rush (n=${during.proxy.length})`, ms2(addedP50), `≤ ${TARGET_PROXY_ADDED_P50_MS} ms`, met(addedP50, TARGET_PROXY_ADDED_P50_MS)],
      [`proxy added p50 during the claims alone (n=${rows[1].proxy.length})`, ms2(added(rows[1])), '', ''],
      [`proxy added p50 idle (n=${rows[0].proxy.length})`, ms2(added(rows[0])), '', ''],
    ];
    printMetricTable(table);
    console.log('-'.repeat(118));
    await run.printOutcome();
    const summary = {
      bench: 'under-load',
      students: N,
      rushes: RUSHES,
      keyGapMs: KEY_GAP_MS,
      phases: Object.fromEntries(
        rows.map((x) => [
          x.phase,
          {
            seconds: round(x.seconds, 1),
            keys: x.echo.length,
            echoP50Ms: round(percentile(x.echo, 50), 2),
            echoP99Ms: round(percentile(x.echo, 99), 2),
            gets: x.proxy.length,
            proxyP50Ms: round(percentile(x.proxy, 50), 2),
            directP50Ms: round(percentile(x.direct, 50), 2),
            addedP50Ms: round(added(x), 2),
            apiCpuPct: round(x.apiCpuPct),
            workerCpuPct: round(x.workerCpuPct),
            hostBusyPct: round(x.hostBusyPct),
            apiLoopDelayP50Ms: round(percentile(x.loopDelay, 50), 1),
            apiLoopDelayMaxMs: round(maxOf(x.loopDelay), 1),
          },
        ]),
      ),
      targets: { echoP99Ms: TARGET_ECHO_P99_MS, proxyAddedP50Ms: TARGET_PROXY_ADDED_P50_MS },
      met: { echoP99: Number.isFinite(echoP99) ? echoP99 <= TARGET_ECHO_P99_MS : null, proxyAddedP50: Number.isFinite(addedP50) ? addedP50 <= TARGET_PROXY_ADDED_P50_MS : null },
      load: { start: loadAtStart, end: loadAtEnd },
      foreignLabs: run.foreignMax,
      errors: errors.length,
    };
    console.log(`BENCH_UNDER_LOAD_SUMMARY ${JSON.stringify(summary)}`);
    return errors.length ? 1 : 0;
  }, () => run.describeStacks());
}

void main().then((code) => process.exit(code));
