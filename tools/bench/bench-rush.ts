/**
 * Classroom-rush benchmark for the lab pool: warm labs, admin scaling, admission under a rush,
 * through the real API + worker.
 *
 *   npm run bench:rush          (build, then node dist/tools/bench/bench-rush.js)
 *
 * 1. setup: one Labfleet stack (real compiled API + one worker; own DB, Redis prefix, instance
 *    label; POOL_TICK_SECONDS=1, PROVISION_CONCURRENCY=BENCH_PROVISION_CONCURRENCY; with
 *    BENCH_APIS=2, two API processes behind one loopback balancer, as in the chaos harness), a
 *    school, a course with labsPerStudent 1 and BENCH_STUDENTS (default 30) students with password login;
 * 2. warm: PUT /pools/docker {min: N}; time until N labs are idle;
 * 3. density (while the N pool labs are idle, after BENCH_SETTLE_SECONDS): memory of every lab
 *    container of this stack from the engine's stats, and of one bare DinD container for comparison;
 * 4. warm rush: each student loads /me (as on the course page: connections open), then all N POST
 *    a lab at once; request→ready per student (a pool hit is ready in the POST's answer; a miss is
 *    polled until ready), pool hits, distinct labs, and for hits how long until the claim's
 *    transaction began (claimedAt is Postgres now(), the transaction's start);
 * 5. PUT /pools/docker {min: 0}, every lab ended, wait until none is left on the engine;
 * 6. cold rush (BENCH_COLD=0 skips it): the same N students POST at once with no pool;
 *    request→ready per student, and first POST → last ready;
 * 7. during each rush the host's /proc/loadavg and /proc/stat are sampled every 250 ms (and CPU use
 *    over the 2 s before it, to show what else the shared host was doing);
 * 8. a table: metric | measured | target | met, and one JSON line (BENCH_RUSH_SUMMARY ...).
 *
 * Capacity: the stack admits by the engine's CPUs and memory (template docker reserves 0.05 CPU and
 * 128 MB, so 2 cores admit 40 labs); the warm round's labs are ended before the cold round, so both
 * rounds fit. BENCH_CAPACITY_CPUS (whole number) sets CAPACITY_CPUS instead.
 *
 * Warm targets (issue 17): up to 30 students p50 ≤ 50 ms and p99 ≤ 100 ms; more (up to 100) p99 ≤ 200 ms.
 *
 * Options: BENCH_STUDENTS (30), BENCH_APIS (1), BENCH_COLD (1), BENCH_PROVISION_CONCURRENCY (4), BENCH_WORKER_CONCURRENCY (10),
 * BENCH_SETTLE_SECONDS (10), BENCH_POLL_MS (50: one admin list request per tick, not one per lab),
 * BENCH_LAB_TIMEOUT_MS (180000: bounds each wait), BENCH_BARE=0 skips the bare DinD container,
 * BENCH_POOL_CAPPED=1 sets the pool to {min: N, max: N}, so the claims start no refill during the
 * rush (by default {min: N}: each claim makes the pool provision a replacement, as in production).
 * BENCH_NODE_OPTIONS is given to the stack's API and worker as NODE_OPTIONS (e.g. `--require` of a
 * CPU profiler: it is how the claim's time was found to be the API's own CPU).
 *
 * Network: only loopback (the stack's API) and the Docker socket. Exits non-zero only when
 * something failed (an HTTP error, a failed or timed-out lab, a lab given to two students), never
 * for a missed target. Everything it made is removed in `finally`, also on Ctrl-C.
 */
import { count, describe, flag, percentile, sleep, text, printMetricTable } from './bench-kit';
import { checkDistinct, expect, fillPool, loadLine, maxOf, mean, memAvailable, mib, minOf, ms, poolOf, pools, LAB_TIMEOUT_MS, POLL_MS, round, rush, s, setPool, since, spread } from './bench-pool';
import { BenchRun } from './bench-run';
import { bareContainer, bareContext, dockerTemplate, GIB, innerDockerInfo, labMemory, machineInfo, MemSample, memoryOf, MIB, requireImages, TEMPLATE, workingSetMeasure } from './bench-labs';
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { ApiClient, docker, Person, removeLabResources, TenantBuilder, TEST_LAB_IMAGE } from '@labfleet/testing';

const N = count('BENCH_STUDENTS', 30, 1);
const APIS = count('BENCH_APIS', 1, 1);
const COLD = flag('BENCH_COLD', true);
const PROVISION_CONCURRENCY = count('BENCH_PROVISION_CONCURRENCY', 4, 1);
const WORKER_CONCURRENCY = count('BENCH_WORKER_CONCURRENCY', 10, 1);
const NODE_OPTIONS = text('BENCH_NODE_OPTIONS');
const CAPACITY_CPUS = count('BENCH_CAPACITY_CPUS', 0) || undefined;
const SETTLE_MS = count('BENCH_SETTLE_SECONDS', 10) * 1000;
/** The idle labs' CPU use is measured over the last 5 s of the settle time. */
const CPU_WINDOW_MS = 5000;
const BARE = flag('BENCH_BARE', true);
const POOL_CAPPED = flag('BENCH_POOL_CAPPED');

// A class (up to 30) is served within a tenth of a second; a rush of up to 100 within a fifth.
const CLASS_SIZE = 30;
const TARGET_WARM_P50_MS = N <= CLASS_SIZE ? 50 : undefined;
const TARGET_WARM_P99_MS = N <= CLASS_SIZE ? 100 : 200;
const TARGET_COLD_ALL_MS = 60_000;
const TARGET_IDLE_MIB = 45;
const TARGET_PER_24GIB = 400;


// ---------------------------------------------------------------------------------------------
// Memory of idle labs, from the engine's stats

/** CPU use between two reads of the same containers, in % of one core each. */
function cpuPct(first: readonly MemSample[], second: readonly MemSample[]): number[] {
  return second.flatMap((b) => {
    const a = first.find((x) => x.name === b.name);
    return a && b.at > a.at ? [(100 * (b.cpuNs - a.cpuNs)) / ((b.at - a.at) * 1e6)] : [];
  });
}

/**
 * One plain privileged DinD container made with dockerode alone (same builder, no mirror, no
 * disk image, on the default bridge: no network of its own), started until its inner `docker info` answers.
 */
async function startBare(instance: string): Promise<string> {
  const options = bareContainer(randomUUID(), bareContext(instance));
  const container = await docker.createContainer({ ...options, HostConfig: { ...options.HostConfig, NetworkMode: 'bridge' }, NetworkingConfig: undefined });
  await container.start();
  const result = await innerDockerInfo(container);
  if (result.exitCode !== 0) throw new Error(`bare DinD: inner docker info did not answer (exit ${result.exitCode})`);
  return container.id;
}

// ---------------------------------------------------------------------------------------------

/** The same students POST at once with no pool: request→ready, and where the time went. */
async function coldRound(run: BenchRun, admin: ApiClient, courseId: string, students: readonly Person[]) {
  const { errors } = run;
  console.log(`\ncold rush: the same ${N} students POST at once, no pool (PROVISION_CONCURRENCY=${PROVISION_CONCURRENCY}, poll ${POLL_MS} ms)`);
  await run.noteForeign();
  const round = await rush(admin, courseId, students);
  const coldDistinct = checkDistinct(round.samples, errors, 'cold rush');
  round.samples.forEach((x, i) => x.error && errors.push(`cold rush #${i + 1} (${x.student.email}): ${x.error}`));
  const coldErrors = round.samples.filter((x) => x.error).length;
  const coldOk = round.samples.filter((x) => !x.error && x.readyMs !== undefined);
  const coldReady = coldOk.map((x) => x.readyMs!);
  const coldServer = coldOk.filter((x) => x.serverMs !== undefined).map((x) => x.serverMs!);
  const coldHits = round.samples.filter((x) => x.hit).length;
  const coldQueued = round.samples.filter((x) => x.queued).length;
  // Where the time went: queue wait (createdAt → provisioning) and the provision itself.
  const pickup: number[] = [];
  const provision: number[] = [];
  for (const x of coldOk) {
    const events = await admin.get(`/api/v1/labs/${x.id}/events`);
    if (events.status !== 200 || !Array.isArray(events.body)) continue;
    const created = events.body.find((e: any) => e.to === 'pending')?.at;
    const prov = events.body.find((e: any) => e.to === 'provisioning')?.at;
    const ready = events.body.find((e: any) => e.to === 'ready');
    if (created && prov) pickup.push(Date.parse(prov) - Date.parse(created));
    if (typeof ready?.detail?.provisionMs === 'number') provision.push(ready.detail.provisionMs);
  }
  const coldAllReady = coldOk.length === N && round.wallMs <= TARGET_COLD_ALL_MS;
  console.log(`  request→ready (client, poll): ${spread(coldReady, s)}`);
  console.log(`  readyAt − createdAt (server): ${spread(coldServer, s)}`);
  console.log(`  of which waiting for a provision slot (createdAt → provisioning): ${spread(pickup, s)}`);
  console.log(`  of which provider.provision + saveNodes (worker): ${spread(provision, s)}`);
  console.log(`  POST round trip: ${spread(round.samples.filter((x) => x.postMs !== undefined).map((x) => x.postMs!), ms)}`);
  console.log(`  first ready after ${s(minOf(coldReady))}; all ${coldOk.length}/${N} ready after ${s(round.wallMs)} (first POST → last ready); pool hits ${coldHits}, queued for capacity ${coldQueued}, distinct labs ${coldDistinct}, errors ${coldErrors}`);
  console.log(`  ${loadLine(round.host)}`);
  await run.noteForeign();
  return { round, distinct: coldDistinct, errors: coldErrors, ready: coldReady, allReady: coldAllReady };
}

async function main(): Promise<number> {
  const run = new BenchRun();
  const { errors, bareInstance } = run;
  return run.main(async () => {
    await requireImages([TEST_LAB_IMAGE]);
    const machine = await machineInfo([TEST_LAB_IMAGE]);
    for (const line of machine.lines) console.log(line);
    await run.noteForeign();

    // 1. setup
    let t = performance.now();
    const overrides: Record<string, string> = {
      POOL_TICK_SECONDS: '1',
      PROVISION_CONCURRENCY: String(PROVISION_CONCURRENCY),
      WORKER_CONCURRENCY: String(WORKER_CONCURRENCY),
      // TestInstance sets high lab and login rate limits already; say so here too.
      RATE_LIMIT_LABS_PER_ADDRESS_PER_MINUTE: '10000',
      RATE_LIMIT_LABS_PER_MINUTE: '10000',
      ...(CAPACITY_CPUS !== undefined ? { CAPACITY_CPUS: String(CAPACITY_CPUS) } : {}),
      ...(NODE_OPTIONS ? { NODE_OPTIONS } : {}),
    };
    const stack = await run.startStack(overrides);
    if (APIS > 1) await stack.balanceApis(APIS);
    const admin = stack.client;
    const instance = stack.instance.instance;
    console.log(`stack: instance ${instance}, API ${admin.baseUrl}${APIS > 1 ? ` (a loopback balancer in front of ${APIS} API processes)` : ''}, 1 worker, started in ${s(since(t))} (logs: test-artifacts/${instance}-*.log)`);
    console.log(`stack env: ${Object.entries(overrides).map(([k, v]) => `${k}=${v}`).join(' ')}`);

    t = performance.now();
    const tenants = new TenantBuilder(admin);
    const tag = randomBytes(3).toString('hex');
    const school = await tenants.school(`rush-${tag}`);
    const course = await tenants.course(school.id, 'Classroom rush', { labsPerStudent: 1 });
    const students: Person[] = [];
    for (let i = 0; i < N; i += 5) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(5, N - i) }, (_, j) => tenants.person(school.id, 'student', `student-${String(i + j + 1).padStart(3, '0')}-${tag}@example.test`)),
      );
      for (const p of batch) await tenants.enroll(course.id, p, 'student');
      students.push(...batch);
    }
    const initial = await pools(admin);
    const { reservedCpus, reservedMemoryMb } = dockerTemplate();
    const admits = Math.floor(Math.min(initial.capacity.cpus / reservedCpus + 1e-9, initial.capacity.memoryMb / reservedMemoryMb));
    console.log(`setup: school, course (labsPerStudent 1), ${N} students logged in, in ${s(since(t))}`);
    console.log(
      `capacity: ${initial.capacity.cpus} CPUs, ${initial.capacity.memoryMb} MB (${CAPACITY_CPUS !== undefined ? 'CAPACITY_CPUS set by BENCH_CAPACITY_CPUS' : "the engine's"}) ` +
        `→ ${admits} docker labs at ${reservedCpus} CPU / ${reservedMemoryMb} MB each; the warm round's labs are ended before the cold round`,
    );
    if (admits < N) errors.push(`capacity admits ${admits} docker labs, fewer than ${N} students`);

    // 2. warm: fill the pool
    const memBefore = memAvailable();
    console.log(`\nwarm: PUT /pools/${TEMPLATE} {min: ${N}${POOL_CAPPED ? `, max: ${N}` : ''}}`);
    const { fillMs } = await fillPool(admin, N, POOL_CAPPED ? N : null, LAB_TIMEOUT_MS, errors);
    await run.noteForeign();

    // 3. density: idle pool labs (and one bare DinD container) after they settle
    // Memory at the end of the settle time; CPU over its last CPU_WINDOW_MS (two stats reads).
    let bare: MemSample | undefined;
    let bareFirst: MemSample | undefined;
    let bareId: string | undefined;
    if (BARE) {
      // It starts after the pool labs: the settle time counts from its ready, so both settle.
      bareId = await startBare(bareInstance).catch((e) => {
        console.warn(`  bare DinD container: ${describe(e)} (skipped)`);
        return undefined;
      });
    }
    const cpuWindow = Math.min(CPU_WINDOW_MS, SETTLE_MS);
    await sleep(SETTLE_MS - cpuWindow);
    const memFirst = await labMemory(instance);
    if (bareId) bareFirst = await memoryOf(bareId, 'bare').catch(() => undefined);
    await sleep(cpuWindow);
    const mem = await labMemory(instance);
    if (bareId) bare = await memoryOf(bareId, 'bare').catch(() => undefined);
    const memAfter = memAvailable();
    const idleCpu = cpuPct(memFirst, mem);
    const bareCpu = bare && bareFirst ? cpuPct([bareFirst], [bare])[0] : undefined;
    await removeLabResources(bareInstance).catch((e) => console.warn(`bare clean-up failed: ${describe(e)}`));
    const ws = mem.map((m) => m.workingSet);
    const nc = mem.map((m) => m.noCache);
    const wsMean = mean(ws);
    const fitHost = Math.floor(os.totalmem() / wsMean);
    const per24 = Math.floor((24 * GIB) / wsMean);
    const v1 = machine.cgroup === '1';
    console.log(`\ndensity: ${mem.length} idle pool lab containers, ≥ ${s(SETTLE_MS)} after the pool filled (engine stats, one-shot, cgroup v${machine.cgroup})`);
    console.log(`  working set = ${workingSetMeasure(machine.cgroup)} (what docker stats shows): mean ${mib(wsMean)}, median ${mib(percentile(ws, 50))}, min ${mib(minOf(ws))}, max ${mib(maxOf(ws))}`);
    console.log(`  usage − ${v1 ? 'stats.total_cache' : 'stats.file'} (no page cache at all): mean ${mib(mean(nc))}, median ${mib(percentile(nc, 50))}, max ${mib(maxOf(nc))}; raw usage mean ${mib(mean(mem.map((m) => m.usage)))}`);
    console.log(`  idle labs in this host's RAM (${(os.totalmem() / GIB).toFixed(1)} GiB) by the working-set mean: ${fitHost}; per 24 GiB: ${per24}`);
    console.log(`  host MemAvailable fell by ${mib(memBefore - memAfter)} while the pool filled: ${mib((memBefore - memAfter) / Math.max(1, mem.length))} per lab (kernel, page cache and other runs included: rough)`);
    const cores = os.availableParallelism?.() ?? os.cpus().length;
    console.log(
      `  CPU of the idle labs over ${s(cpuWindow)} (cpu_stats.cpu_usage.total_usage): mean ${mean(idleCpu).toFixed(2)}% of a core per lab, max ${maxOf(idleCpu).toFixed(2)}%; ` +
        `all ${idleCpu.length} together ${(idleCpu.reduce((a, b) => a + b, 0) / cores).toFixed(1)}% of this host's ${cores} cores`,
    );
    if (bare) {
      console.log(
        `  bare DinD container (same image and builder, dockerode alone, no mirror, default bridge): working set ${mib(bare.workingSet)}, usage − cache ${mib(bare.noCache)}` +
          `${bareCpu !== undefined ? `, CPU ${bareCpu.toFixed(2)}% of a core` : ''}`,
      );
    }
    if (mem.length !== N) errors.push(`density: ${mem.length} lab containers running, expected ${N} idle pool labs`);

    // 4. warm rush
    const pool = poolOf(await pools(admin));
    console.log(`\nwarm rush: ${N} students POST at once (pool: idle ${pool.idle}, warming ${pool.warming})`);
    await run.noteForeign();
    const warm = await rush(admin, course.id, students);
    const warmHits = warm.samples.filter((x) => x.hit).length;
    const warmDistinct = checkDistinct(warm.samples, errors, 'warm rush');
    warm.samples.forEach((x, i) => x.error && errors.push(`warm rush #${i + 1} (${x.student.email}): ${x.error}`));
    const warmDuplicates = warm.samples.filter((x) => x.id).length - warmDistinct;
    const warmErrors = warm.samples.filter((x) => x.error).length + warmDuplicates;
    if (warmDistinct !== N) errors.push(`warm rush: ${warmDistinct} distinct labs for ${N} students (${N - warm.samples.filter((x) => x.id).length} got none, ${warmDuplicates} given twice)`);
    const warmReady = warm.samples.filter((x) => !x.error && x.readyMs !== undefined).map((x) => x.readyMs!);
    const warmMissReady = warm.samples.filter((x) => !x.error && !x.hit && x.readyMs !== undefined).map((x) => x.readyMs!);
    console.log(`  request→ready: ${spread(warmReady, ms)}`);
    console.log(`  POST round trip (all): ${spread(warm.samples.filter((x) => x.postMs !== undefined).map((x) => x.postMs!), ms)}`);
    const toTx = warm.samples.filter((x) => x.toClaimTxMs !== undefined);
    console.log(`  of which POST sent → claim transaction began (claimedAt, Postgres now()): ${spread(toTx.map((x) => x.toClaimTxMs!), ms)}`);
    console.log(`  of which claim transaction began → answer received: ${spread(toTx.map((x) => x.postMs! - x.toClaimTxMs!), ms)}`);
    console.log(`  served from the pool: ${warmHits}/${N}; misses: ${N - warmHits}${warmMissReady.length ? ` (request→ready ${spread(warmMissReady, ms)})` : ''}; distinct labs: ${warmDistinct}; errors: ${warmErrors}`);
    console.log(`  first POST → last ready: ${ms(warm.wallMs)}`);
    console.log(`  ${loadLine(warm.host)}`);
    await run.noteForeign();

    // 5. empty the pool, end every lab
    t = performance.now();
    await setPool(admin, 0);
    // All students end their labs at once; a 503 is an error, retried (DELETE is idempotent) so the round ends clean.
    const ends = await Promise.all(
      warm.samples
        .filter((x) => x.id)
        .map(async (x) => {
          for (let attempt = 1; ; attempt++) {
            const res = await x.student.client.delete(`/api/v1/labs/${x.id}`).catch((e) => ({ status: 0, body: describe(e) }));
            if (res.status === 202) return;
            errors.push(`DELETE lab ${x.id} (attempt ${attempt}): HTTP ${res.status} ${JSON.stringify(res.body)}`);
            if (attempt === 3) return;
            await sleep(500);
          }
        }),
    );
    let left = { live: -1, containers: -1 };
    for (;;) {
      const live = expect<{ total: number }>(await admin.get('/api/v1/labs?status=pending,provisioning,ready,stopping&limit=1'), 'GET /api/v1/labs').total;
      const containers = (await docker.listContainers({ all: true, filters: { label: [`labfleet.instance=${instance}`, 'labfleet.role=lab'] } })).length;
      left = { live, containers };
      if (live === 0 && containers === 0) break;
      if (since(t) > LAB_TIMEOUT_MS) {
        errors.push(`teardown: after ${LAB_TIMEOUT_MS} ms still ${live} live labs, ${containers} lab containers`);
        break;
      }
      await sleep(250);
    }
    const afterWarm = await pools(admin);
    console.log(
      `\nteardown: pool {min: 0}, ${ends.length} labs ended; no live lab and no lab container left after ${s(since(t))} ` +
        `(pool now idle ${poolOf(afterWarm).idle}, warming ${poolOf(afterWarm).warming}, claimed ${poolOf(afterWarm).claimed}; reserved ${afterWarm.reserved.cpus} CPUs; left ${left.live}/${left.containers})`,
    );

    // 6. cold rush
    const cold = COLD ? await coldRound(run, admin, course.id, students) : undefined;

    // 8. the table
    const warmP50 = percentile(warmReady, 50);
    const warmP99 = percentile(warmReady, 99);
    const warmOk = warmErrors === 0 && warmReady.length === N;
    const warmP50Met = TARGET_WARM_P50_MS === undefined ? undefined : warmReady.length > 0 && warmP50 <= TARGET_WARM_P50_MS;
    const warmP99Met = warmReady.length > 0 && warmP99 <= TARGET_WARM_P99_MS;
    const rows: [string, string, string, boolean | undefined][] = [
      [`pool fill: ${N} idle labs (PROVISION_CONCURRENCY=${PROVISION_CONCURRENCY})`, s(fillMs), '', undefined],
      [`warm rush request→ready p50 (n=${warmReady.length})`, ms(warmP50), TARGET_WARM_P50_MS === undefined ? '' : `≤ ${TARGET_WARM_P50_MS} ms`, warmP50Met],
      [`warm rush request→ready p95`, ms(percentile(warmReady, 95)), '', undefined],
      [`warm rush request→ready p99 (= max at n ≤ 100)`, ms(warmP99), `≤ ${TARGET_WARM_P99_MS} ms`, warmP99Met],
      [`warm rush served from the pool`, `${warmHits}/${N}`, '', undefined],
      [`warm rush distinct labs`, `${warmDistinct}/${N}`, `${N}`, warmDistinct === N],
      [`warm rush errors`, `${warmErrors}`, '0', warmOk],
      ...(cold
        ? ([
            [`cold rush request→ready p50 (n=${cold.ready.length})`, s(percentile(cold.ready, 50)), '', undefined],
            [`cold rush request→ready p95`, s(percentile(cold.ready, 95)), '', undefined],
            [`cold rush request→ready p99`, s(percentile(cold.ready, 99)), '', undefined],
            [`cold rush request→ready max`, s(maxOf(cold.ready)), '', undefined],
            [`cold rush all ${N} ready (first POST → last ready)`, s(cold.round.wallMs), '≤ 60 s', cold.allReady],
            [`cold rush errors`, `${cold.errors}`, '0', cold.errors === 0],
          ] as [string, string, string, boolean | undefined][])
        : []),
      [`idle lab memory, mean working set (n=${mem.length})`, mib(wsMean), '≤ 45 MiB', mem.length ? wsMean <= TARGET_IDLE_MIB * MIB : false],
      [`idle lab memory, median / max`, `${mib(percentile(ws, 50))} / ${mib(maxOf(ws))}`, '', undefined],
      [`idle labs per 24 GiB (this host ${(os.totalmem() / GIB).toFixed(1)} GiB: ${fitHost})`, `${per24}`, '≥ 400', mem.length ? per24 >= TARGET_PER_24GIB : false],
      ...(bare ? ([[`bare DinD container idle working set`, mib(bare.workingSet), '', undefined]] as [string, string, string, undefined][]) : []),
      [`idle lab CPU, mean per lab (all ${idleCpu.length}: % of host)`, `${mean(idleCpu).toFixed(2)}% of a core (${(idleCpu.reduce((a, b) => a + b, 0) / cores).toFixed(1)}%)`, '', undefined],
      [`host before the rush (CPU 2 s; 1-min load), warm`, `${warm.host.cpuBeforePct.toFixed(0)}%; ${warm.host.loadBefore.toFixed(2)}`, '', undefined],
      ...(cold ? ([[`host before the rush (CPU 2 s; 1-min load), cold`, `${cold.round.host.cpuBeforePct.toFixed(0)}%; ${cold.round.host.loadBefore.toFixed(2)}`, '', undefined]] as [string, string, string, undefined][]) : []),
      [`peak 1-min load, warm${cold ? ' / cold' : ''} rush`, `${warm.host.peakLoad1.toFixed(2)}${cold ? ` / ${cold.round.host.peakLoad1.toFixed(2)}` : ''}`, '', undefined],
      [`peak CPU, warm${cold ? ' / cold' : ''} rush`, `${warm.host.peakCpuPct.toFixed(0)}%${cold ? ` / ${cold.round.host.peakCpuPct.toFixed(0)}%` : ''}`, '', undefined],
    ];
    console.log(`\n${'='.repeat(96)}`);
    console.log(`Labfleet classroom rush (template ${TEMPLATE}, ${N} students, ${APIS} API process${APIS > 1 ? 'es behind one loopback balancer' : ''}, 1 worker, PROVISION_CONCURRENCY=${PROVISION_CONCURRENCY}, POOL_TICK_SECONDS=1, pool {min: ${N}${POOL_CAPPED ? `, max: ${N}` : ''}})`);
    for (const l of machine.lines) console.log(l);
    console.log(`capacity: ${initial.capacity.cpus} CPUs / ${initial.capacity.memoryMb} MB (${CAPACITY_CPUS !== undefined ? 'BENCH_CAPACITY_CPUS' : "engine's"}); warm-round labs ended before the cold round`);
    console.log(`percentiles: nearest rank; memory: ${workingSetMeasure(machine.cgroup)} (cgroup v${machine.cgroup})`);
    console.log('-'.repeat(96));
    printMetricTable(rows);
    console.log('-'.repeat(96));
    await run.printOutcome();
    const summary = {
      bench: 'rush',
      students: N,
      apis: APIS,
      provisionConcurrency: PROVISION_CONCURRENCY,
      poolCapped: POOL_CAPPED,
      capacityCpus: initial.capacity.cpus,
      capacitySource: CAPACITY_CPUS !== undefined ? 'BENCH_CAPACITY_CPUS' : 'engine',
      poolFillS: round((fillMs ?? NaN) / 1000, 2),
      warm: { p50Ms: round(warmP50), p95Ms: round(percentile(warmReady, 95)), p99Ms: round(warmP99), maxMs: round(maxOf(warmReady)), poolHits: warmHits, distinct: warmDistinct, errors: warmErrors },
      cold: cold
        ? { p50S: round(percentile(cold.ready, 50) / 1000, 2), p95S: round(percentile(cold.ready, 95) / 1000, 2), p99S: round(percentile(cold.ready, 99) / 1000, 2), maxS: round(maxOf(cold.ready) / 1000, 2), allReadyS: round(cold.round.wallMs / 1000, 2), errors: cold.errors }
        : null,
      idleLabMiB: { mean: round(wsMean / MIB, 1), median: round(percentile(ws, 50) / MIB, 1), max: round(maxOf(ws) / MIB, 1), n: mem.length, measure: v1 ? 'usage-total_inactive_file' : 'usage-inactive_file' },
      bareDindMiB: bare ? round(bare.workingSet / MIB, 1) : null,
      idleLabCpuPctOfCore: round(mean(idleCpu), 2),
      idleLabsFitHost: Number.isFinite(fitHost) ? fitHost : null,
      idleLabsPer24GiB: Number.isFinite(per24) ? per24 : null,
      before: { warm: { cpuPct: round(warm.host.cpuBeforePct), load1: round(warm.host.loadBefore, 2) }, cold: cold ? { cpuPct: round(cold.round.host.cpuBeforePct), load1: round(cold.round.host.loadBefore, 2) } : null },
      peakLoad1: { warm: round(warm.host.peakLoad1, 2), cold: cold ? round(cold.round.host.peakLoad1, 2) : null },
      peakCpuPct: { warm: round(warm.host.peakCpuPct), cold: cold ? round(cold.round.host.peakCpuPct) : null },
      targetsMet: {
        warmP50: warmP50Met ?? null,
        warmP99: warmP99Met,
        warmNoErrors: warmOk,
        coldAllWithin60s: cold ? cold.allReady : null,
        coldNoErrors: cold ? cold.errors === 0 : null,
        idleLabMemory: mem.length > 0 && wsMean <= TARGET_IDLE_MIB * MIB,
      },
      foreignLabs: run.foreignMax,
      errors: errors.length,
    };
    console.log(`BENCH_RUSH_SUMMARY ${JSON.stringify(summary)}`);
    return errors.length ? 1 : 0;
  }, () => `${run.describeStacks()} (database, Redis keys, labelled labs, networks, volumes), bare instance ${bareInstance}`);
}

void main().then((code) => process.exit(code));
