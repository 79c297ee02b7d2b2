/**
 * Density benchmark: how much memory an idle confined lab holds, and how many idle labs this host
 * keeps warm before claims slow down.
 *
 *   npm run bench:density       (build, then node dist/tools/bench/bench-density.js)
 *
 * 1. setup: one Labfleet stack (real compiled API + one worker, the default confined profile,
 *    POOL_TICK_SECONDS=1, PROVISION_CONCURRENCY=4), a course and BENCH_BURST (10) students;
 *    CAPACITY_CPUS / CAPACITY_MEMORY_MB are set so admission admits every lab of the run (the
 *    bench measures what the host holds, not what the capacity setting admits);
 * 2. steps: the `docker` pool filled to 10, 25, 50, 100, then doubling, up to BENCH_MAX_LABS (100);
 *    at each step, BENCH_SETTLE_SECONDS (5) after the pool filled:
 *    - memory of every idle lab container from the engine's stats (one-shot): the working set
 *      `docker stats` shows (cgroup v1: usage − total_inactive_file), which counts every process of
 *      the container's cgroup, the lab's own dockerd and containerd included. The engine's stats
 *      and not the cgroup files: the same number bench:rush and bench:ready print, read the same
 *      way on cgroup v1 and v2 whatever the engine's cgroup driver and parent;
 *    - the host's MemAvailable (/proc/meminfo): the drop since the start per lab also holds what
 *      the kernel spends per container outside its cgroup (and whatever else the host did);
 *    - a burst: every student claims a lab at once (POST /labs, a pool hit answers ready);
 *      claim p50/p99; then the claimed labs are ended and the pool refills to the step;
 * 3. it stops before a step when the host's MemAvailable would fall below BENCH_MIN_FREE_MIB
 *    (4096) by the host drop per lab seen so far (×1.25), and after a step whose claim p99 is more
 *    than double the first step's;
 * 4. the curve (step, labs, MiB/lab, host free memory, claim p50/p99), the labs per 24 GiB it
 *    extrapolates from the last step's memory, a metric | measured | target | met table and one JSON
 *    line (BENCH_DENSITY_SUMMARY ...).
 *
 * Options: BENCH_MAX_LABS (100), BENCH_BURST (10), BENCH_SETTLE_SECONDS (5), BENCH_MIN_FREE_MIB
 * (4096), BENCH_PROVISION_CONCURRENCY (4), BENCH_LAB_TIMEOUT_MS (180000: bounds each wait).
 *
 * Network: only loopback (the stack's API) and the Docker socket. Exits non-zero only when
 * something failed (an HTTP error, a failed lab, a lab given to two students), never for a missed
 * target. Everything it made is removed in `finally`, also on Ctrl-C.
 */
import { count, percentile, sleep, printMetricTable } from './bench-kit';
import { checkDistinct, expect, fillPool, LAB_TIMEOUT_MS, mean, memAvailable, mib, ms, maxOf, round, rush, s, since } from './bench-pool';
import { dockerTemplate, GIB, labMemory, machineInfo, MIB, requireImages, TEMPLATE, workingSetMeasure } from './bench-labs';
import { BenchRun } from './bench-run';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { docker, Person, TenantBuilder, TEST_LAB_IMAGE } from '@labfleet/testing';

const MAX_LABS = count('BENCH_MAX_LABS', 100, 1);
const BURST = count('BENCH_BURST', 10, 1);
const SETTLE_MS = count('BENCH_SETTLE_SECONDS', 5) * 1000;
const MIN_FREE = count('BENCH_MIN_FREE_MIB', 4096) * MIB;
const PROVISION_CONCURRENCY = count('BENCH_PROVISION_CONCURRENCY', 4, 1);

const TARGET_IDLE_MIB = 33;
const TARGET_PER_24GIB = 700;
/** Claims have slowed down once their p99 is this many times the first step's. */
const SLOWDOWN = 2;
/** The host's drop per lab so far, times this, is what the next step is expected to take. */
const MEMORY_MARGIN = 1.25;

/** 10, 25, 50, 100, then doubling, up to `max` (which is always the last step). */
function densitySteps(max: number): number[] {
  const steps: number[] = [];
  for (let n = 10, i = 0; n < max; n = [10, 25, 50][++i] ?? n * 2) steps.push(n);
  return [...steps, max];
}

interface Step {
  readonly labs: number;
  readonly fillS: number | null;
  readonly mibPerLab: number;
  readonly mibMax: number;
  readonly hostDropMibPerLab: number;
  readonly freeMib: number;
  readonly claimP50Ms: number;
  readonly claimP99Ms: number;
  readonly hits: number;
  /** Every claim of the burst answered, each with a lab of its own. */
  readonly ok: boolean;
  readonly load1: number;
}

/** Waits until no container of the given labs is left on the engine. */
async function waitGone(instance: string, labIds: readonly string[], errors: string[]): Promise<void> {
  const t = performance.now();
  for (;;) {
    const left = (await docker.listContainers({ all: true, filters: { label: [`labfleet.instance=${instance}`, 'labfleet.role=lab'] } })).filter((c) =>
      labIds.includes(c.Labels['labfleet.lab-id']),
    );
    if (left.length === 0) return;
    if (since(t) > LAB_TIMEOUT_MS) {
      errors.push(`ended labs: ${left.length} containers still there after ${LAB_TIMEOUT_MS} ms`);
      return;
    }
    await sleep(250);
  }
}

async function main(): Promise<number> {
  const run = new BenchRun();
  const { errors } = run;
  return run.main(async () => {
    await requireImages([TEST_LAB_IMAGE]);
    const machine = await machineInfo([TEST_LAB_IMAGE]);
    for (const line of machine.lines) console.log(line);
    const steps = densitySteps(MAX_LABS);
    const { reservedCpus, reservedMemoryMb } = dockerTemplate();
    const most = MAX_LABS + BURST;
    const overrides: Record<string, string> = {
      POOL_TICK_SECONDS: '1',
      PROVISION_CONCURRENCY: String(PROVISION_CONCURRENCY),
      CAPACITY_CPUS: String(Math.ceil(most * reservedCpus) + 1),
      CAPACITY_MEMORY_MB: String(most * reservedMemoryMb + 1024),
      RATE_LIMIT_LABS_PER_ADDRESS_PER_MINUTE: '10000',
      RATE_LIMIT_LABS_PER_MINUTE: '10000',
    };
    const t = performance.now();
    const stack = await run.startStack(overrides);
    const admin = stack.client;
    const instance = stack.instance.instance;
    console.log(`stack: instance ${instance}, API ${admin.baseUrl}, started in ${s(since(t))}; env ${Object.entries(overrides).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    const tenants = new TenantBuilder(admin);
    const tag = randomBytes(3).toString('hex');
    const school = await tenants.school(`density-${tag}`);
    // Every burst's labs are ended before the next: ending ones still count, so one lab per step.
    const course = await tenants.course(school.id, 'Density', { labsPerStudent: Math.min(100, steps.length) });
    const students: Person[] = [];
    for (let i = 0; i < BURST; i++) {
      const p = await tenants.person(school.id, 'student', `density-${String(i + 1).padStart(3, '0')}-${tag}@example.test`);
      await tenants.enroll(course.id, p, 'student');
      students.push(p);
    }
    if (steps.length > 100) errors.push(`${steps.length} steps: more than a course's 100 labs per student`);
    console.log(`steps: ${steps.join(', ')} idle labs; a burst of ${BURST} claims at each; stop when MemAvailable would fall below ${mib(MIN_FREE)} or claim p99 > ${SLOWDOWN}× the first step's`);

    const freeAtStart = memAvailable();
    const curve: Step[] = [];
    let stopped = `the last step (BENCH_MAX_LABS=${MAX_LABS})`;
    for (const labs of steps) {
      run.throwIfStopping();
      const last = curve[curve.length - 1];
      if (last) {
        const need = (labs - last.labs) * Math.max(last.hostDropMibPerLab, last.mibPerLab) * MIB * MEMORY_MARGIN;
        if (memAvailable() - need < MIN_FREE) {
          stopped = `memory: ${labs} labs would leave MemAvailable ${mib(memAvailable() - need)} (< ${mib(MIN_FREE)})`;
          break;
        }
      }
      console.log(`\nstep ${labs}: PUT /pools/${TEMPLATE} {min: ${labs}}`);
      const fill = await fillPool(admin, labs, null, LAB_TIMEOUT_MS, errors);
      if (fill.fillMs === undefined || fill.failed > 0) {
        stopped = `the pool did not fill to ${labs}`;
        break;
      }
      await sleep(SETTLE_MS);
      const mem = await labMemory(instance);
      const free = memAvailable();
      if (mem.length !== labs) errors.push(`step ${labs}: ${mem.length} lab containers running, expected ${labs} idle pool labs`);
      const ws = mem.map((m) => m.workingSet);

      const burst = await rush(admin, course.id, students);
      const label = `step ${labs} burst`;
      const errorsBefore = errors.length;
      const distinct = checkDistinct(burst.samples, errors, label);
      burst.samples.forEach((x) => x.error && errors.push(`${label} (${x.student.email}): ${x.error}`));
      if (distinct !== BURST) errors.push(`${label}: ${distinct} distinct labs for ${BURST} students`);
      const hits = burst.samples.filter((x) => x.hit);
      const claims = hits.map((x) => x.postMs!);
      const step: Step = {
        labs,
        fillS: round((fill.fillMs ?? NaN) / 1000, 1),
        mibPerLab: mean(ws) / MIB,
        mibMax: maxOf(ws) / MIB,
        hostDropMibPerLab: (freeAtStart - free) / MIB / Math.max(1, labs),
        freeMib: free / MIB,
        claimP50Ms: percentile(claims, 50),
        claimP99Ms: percentile(claims, 99),
        hits: hits.length,
        ok: errors.length === errorsBefore,
        load1: os.loadavg()[0],
      };
      curve.push(step);
      console.log(
        `  ${mem.length} idle labs: ${mib(mean(ws))} per lab (max ${mib(maxOf(ws))}); host MemAvailable ${mib(free)} (${mib(freeAtStart - free)} less than at the start); ` +
          `claims: p50 ${ms(step.claimP50Ms)}, p99 ${ms(step.claimP99Ms)} (${hits.length}/${BURST} from the pool); load ${step.load1.toFixed(2)}`,
      );

      // End the burst's labs; the pool refills to this step before the next (or the clean-up).
      const ids = burst.samples.flatMap((x) => (x.id ? [{ x, id: x.id }] : []));
      await Promise.all(ids.map(({ x, id }) => x.student.client.delete(`/api/v1/labs/${id}`).then((r) => expect(r, `DELETE lab ${id}`, 202))));
      await waitGone(instance, ids.map((i) => i.id), errors);
      if (errors.length) {
        stopped = 'an error';
        break;
      }
      if (curve.length > 1 && step.claimP99Ms > SLOWDOWN * curve[0].claimP99Ms) {
        stopped = `claims slowed down: p99 ${ms(step.claimP99Ms)} > ${SLOWDOWN}× ${ms(curve[0].claimP99Ms)} (the first step's)`;
        break;
      }
    }
    await run.noteForeign();

    const top = curve[curve.length - 1];
    const per24 = top ? Math.floor((24 * GIB) / (top.mibPerLab * MIB)) : NaN;
    const per24Host = top ? Math.floor((24 * GIB) / (top.hostDropMibPerLab * MIB)) : NaN;
    // The most labs at which every claim answered and their p99 had not doubled.
    const held = Math.max(0, ...curve.filter((c) => c.ok && c.claimP99Ms <= SLOWDOWN * curve[0].claimP99Ms).map((c) => c.labs));
    const f = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
    console.log(`\n${'='.repeat(96)}`);
    console.log(`Labfleet density (template ${TEMPLATE}, confined profile: the default; 1 worker, PROVISION_CONCURRENCY=${PROVISION_CONCURRENCY}; bursts of ${BURST} claims)`);
    for (const l of machine.lines) console.log(l);
    console.log(`memory per lab: engine stats, ${workingSetMeasure(machine.cgroup)} (cgroup v${machine.cgroup}), the lab's dockerd included; host: MemAvailable drop since the start / labs`);
    console.log(`stopped after: ${stopped}`);
    console.log('-'.repeat(96));
    console.log(`${'step'.padEnd(6)}${'labs'.padStart(6)}${'fill s'.padStart(8)}${'MiB/lab'.padStart(9)}${'max MiB'.padStart(9)}${'host MiB/lab'.padStart(14)}${'host free MiB'.padStart(15)}${'claim p50'.padStart(11)}${'claim p99'.padStart(11)}${'load1'.padStart(7)}`);
    curve.forEach((c, i) =>
      console.log(
        `${String(i + 1).padEnd(6)}${String(c.labs).padStart(6)}${f(c.fillS ?? NaN).padStart(8)}${f(c.mibPerLab).padStart(9)}${f(c.mibMax).padStart(9)}${f(c.hostDropMibPerLab).padStart(14)}` +
          `${f(c.freeMib, 0).padStart(15)}${ms(c.claimP50Ms).padStart(11)}${ms(c.claimP99Ms).padStart(11)}${c.load1.toFixed(2).padStart(7)}`,
      ),
    );
    console.log('-'.repeat(96));
    const rows: [string, string, string, boolean | undefined][] = [
      [`idle lab memory at ${top?.labs ?? 0} labs (mean working set)`, top ? `${f(top.mibPerLab)} MiB` : 'n/a', `≤ ${TARGET_IDLE_MIB} MiB`, top ? top.mibPerLab <= TARGET_IDLE_MIB : false],
      [`idle labs per 24 GiB (by that mean)`, `${per24}`, `≥ ${TARGET_PER_24GIB}`, top ? per24 >= TARGET_PER_24GIB : false],
      [`idle labs per 24 GiB (by the host's MemAvailable drop)`, `${per24Host}`, '', undefined],
      [`idle labs held, claims answered and not slowed (p99 ≤ ${SLOWDOWN}× first step)`, `${held}`, '', undefined],
      [`claim p99 at ${curve[0]?.labs ?? '?'} / ${top?.labs ?? '?'} labs`, `${ms(curve[0]?.claimP99Ms)} / ${ms(top?.claimP99Ms)}`, '', undefined],
    ];
    printMetricTable(rows);
    console.log('-'.repeat(96));
    await run.printOutcome();
    const summary = {
      bench: 'density',
      profile: 'confined',
      burst: BURST,
      stoppedAfter: stopped,
      curve: curve.map((c) => ({ ...c, mibPerLab: round(c.mibPerLab, 1), mibMax: round(c.mibMax, 1), hostDropMibPerLab: round(c.hostDropMibPerLab, 1), freeMib: round(c.freeMib), claimP50Ms: round(c.claimP50Ms), claimP99Ms: round(c.claimP99Ms), load1: round(c.load1, 2) })),
      idleLabMiB: top ? round(top.mibPerLab, 1) : null,
      labsPer24GiB: Number.isFinite(per24) ? per24 : null,
      labsPer24GiBHost: Number.isFinite(per24Host) ? per24Host : null,
      labsHeld: held,
      targetsMet: { idleLabMemory: top ? top.mibPerLab <= TARGET_IDLE_MIB : false, per24GiB: top ? per24 >= TARGET_PER_24GIB : false },
      foreignLabs: run.foreignMax,
      errors: errors.length,
    };
    console.log(`BENCH_DENSITY_SUMMARY ${JSON.stringify(summary)}`);
    return errors.length ? 1 : 0;
  }, () => `${run.describeStacks()} (database, Redis keys, labelled labs, networks, volumes)`);
}

void main().then((code) => process.exit(code));
