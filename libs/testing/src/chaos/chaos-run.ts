import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { eventually } from '../eventually';
import { TenantBuilder } from '../tenants';
import { probeStatelessApis, ProbeResult } from './api-statelessness';
import { ChaosChecks } from './chaos-checks';
import { ChaosLedger } from './chaos-ledger';
import { ChaosStack } from './chaos-stack';
import { ChaosStudent } from './chaos-student';
import { FaultKind, FaultRecord, inject } from './chaos-faults';
import { ChaosReport, report } from './chaos-report';
import { SeededRandom } from './seeded-random';

export interface ChaosOptions {
  readonly seed: number;
  readonly students: number;
  /** Idle labs the warm pool keeps. */
  readonly pool: number;
  readonly workers: number;
  readonly faults: Readonly<Record<FaultKind, number>>;
  readonly reconcileIntervalSeconds: number;
  readonly log: (line: string) => void;
}

const READY_TIMEOUT_SECONDS = 60;
/** Reconcile leaves a transient lab to its job this long (ReconcilerService's grace). */
const RECONCILE_GRACE_SECONDS = 30;

/**
 * The chaos run: a classroom rush on a warm pool while parts of the platform are killed at
 * random moments (the seed decides which, in which order, when, and what the students do), with
 * the invariants checked after each round and once everything has ended. Removes all it made,
 * also when it fails or is interrupted (`stop`).
 */
export class ChaosRun {
  readonly ledger = new ChaosLedger();
  readonly stack: ChaosStack;
  private checks?: ChaosChecks;
  private readonly students: ChaosStudent[] = [];
  private readonly random: SeededRandom;
  private readonly intervalMs: number;

  constructor(private readonly options: ChaosOptions) {
    this.random = new SeededRandom(options.seed);
    this.intervalMs = options.reconcileIntervalSeconds * 1000;
    this.stack = new ChaosStack({
      workers: options.workers,
      apis: 2,
      log: options.log,
      settings: {
        RECONCILE_INTERVAL_SECONDS: String(options.reconcileIntervalSeconds),
        LAB_READY_TIMEOUT_SECONDS: String(READY_TIMEOUT_SECONDS),
        POOL_TICK_SECONDS: '2',
        PROVISION_CONCURRENCY: '4',
        JOB_BACKOFF_MS: '500',
        JOB_LOCK_MS: '5000',
        // Every student shares one address (loopback); the per-account login limit stays as shipped.
        RATE_LIMIT_LOGIN_PER_ADDRESS_PER_MINUTE: '10000',
        RATE_LIMIT_LABS_PER_MINUTE: '10000',
        RATE_LIMIT_LABS_PER_ADDRESS_PER_MINUTE: '10000',
      },
    });
  }

  async run(): Promise<ChaosReport> {
    const { log } = this.options;
    const started = performance.now();
    await this.stack.start();
    const setupMs = performance.now() - started;
    const checks = (this.checks = new ChaosChecks(this.stack.databaseUrl, this.stack.redis!.url, this.stack.instance, this.stack.engine!, this.ledger, {
      stuckAfterMs: (RECONCILE_GRACE_SECONDS + READY_TIMEOUT_SECONDS + 30) * 1000 + this.intervalMs,
      orphanGraceMs: 2 * this.intervalMs + 30_000,
      expiryGraceMs: this.intervalMs + 30_000,
    }));
    const admin = this.stack.admin;
    const tag = randomBytes(3).toString('hex');
    const tenants = new TenantBuilder(admin);
    const school = await tenants.school(`chaos-${tag}`);
    const course = await tenants.course(school.id, 'Chaos', { labsPerStudent: 1, weeklyMinutesPerStudent: 600 });
    const from = new Date();
    for (let i = 0; i < this.options.students; i++) {
      const p = await tenants.person(school.id, 'student', `student-${i + 1}-${tag}@example.test`);
      await tenants.enroll(course.id, p, 'student');
      this.students.push(new ChaosStudent(p.email, this.stack.baseUrl, course.id, this.random.fork(), this.ledger));
    }
    await this.fillPool();
    const apis: [string, string] = [this.stack.apiUrl(0), this.stack.apiUrl(1)];
    const probes: ProbeResult[] = await probeStatelessApis(apis, admin, { schoolId: school.id, courseId: course.id }, `${tag}-1`);

    log(`rush: ${this.students.length} students ask for a lab at once (pool of ${this.options.pool} warm labs)`);
    const rushStarted = performance.now();
    const loops = this.students.map((s) => s.run().catch((e: Error) => this.ledger.problem(`student ${s.email} stopped: ${e.message}`)));
    const faults = await this.rounds(checks);
    probes.push(...(await probeStatelessApis(apis, admin, { schoolId: school.id, courseId: course.id }, `${tag}-2`)));

    log('ending: every student stops their lab, the pool goes to 0, and everything must settle');
    const lastFault = performance.now();
    for (const s of this.students) s.finish();
    await Promise.all(loops);
    await admin.request('PUT', '/api/v1/pools/docker', { min: 0 });
    const settleBoundMs = this.intervalMs + READY_TIMEOUT_SECONDS * 1000 + 30_000;
    let settledMs = Infinity;
    try {
      await eventually(async () => {
        const left = await checks.unsettled();
        if (left.length) throw new Error(`${left.length} left: ${left.slice(0, 5).join('; ')}`);
      }, { timeoutMs: settleBoundMs + 120_000, intervalMs: 500, what: 'every lab to end and the engine to hold nothing of a lab' });
      settledMs = performance.now() - lastFault;
    } catch (e) {
      checks.violation('stuck in a transient state', 'final-settle', (e as Error).message);
    }
    await checks.final(async (start, end) => (await admin.get(`/api/v1/courses/${course.id}/usage?from=${start.toISOString()}&to=${end.toISOString()}`)).body.people, from);
    return report({
      seed: this.options.seed,
      faults,
      checks,
      ledger: this.ledger,
      probes,
      balancer: this.stack.balancer!,
      timings: { setupMs, rushMs: lastFault - rushStarted, settledMs, settleBoundMs, engineBoundMs: this.intervalMs + 15_000 },
    });
  }

  /** Removes everything the run made (processes, engine, services, temporary directories). */
  /** The violations found so far, in words: what a run that did not finish had seen. */
  violationsSoFar(): string[] {
    return [...(this.checks?.violations.values() ?? [])].map((v) => `${v.check}: ${v.detail}`);
  }

  async stop(): Promise<void> {
    for (const s of this.students) s.finish();
    await this.checks?.close().catch(() => undefined);
    await this.stack.stop();
  }

  private async fillPool(): Promise<void> {
    const admin = this.stack.admin;
    const res = await admin.request('PUT', '/api/v1/pools/docker', { min: this.options.pool });
    if (res.status !== 200) throw new Error(`PUT /pools/docker: ${res.status} ${JSON.stringify(res.body)}`);
    this.options.log(`warming the pool: ${this.options.pool} idle labs`);
    await eventually(async () => {
      const pool = (await admin.get('/api/v1/pools')).body.pools.find((p: { template: string }) => p.template === 'docker');
      if (pool.idle < this.options.pool) throw new Error(`pool: ${JSON.stringify(pool)}`);
    }, { timeoutMs: 300_000, intervalMs: 500, what: 'the warm pool to fill' });
  }

  /**
   * The faults in a random order, each after a random moment of the rush; now and then two at
   * once. After each round, the invariants that hold at any moment; after an engine restart, the
   * labs it took down must be marked within the reconcile interval.
   */
  private async rounds(checks: ChaosChecks): Promise<FaultRecord[]> {
    const { log } = this.options;
    const plan = this.random.shuffle(Object.entries(this.options.faults).flatMap(([kind, n]) => Array.from({ length: n }, () => kind as FaultKind)));
    const done: FaultRecord[] = [];
    for (let round = 1; plan.length > 0; round++) {
      const batch = [plan.shift()!];
      if (plan.length > 0 && this.random.chance(0.25) && plan[0] !== batch[0]) batch.push(plan.shift()!);
      const wait = this.random.int(2000, 10_000);
      await new Promise((resolve) => setTimeout(resolve, wait)); // the random moment of the rush the fault strikes
      const records = await Promise.all(
        batch.map(async (kind) => {
          const record = await inject(kind, this.stack, checks, this.random);
          // Watched from the moment the engine answers again, whatever else this round broke.
          if (record.kind === 'engine') await this.engineLosses(checks, record);
          return record;
        }),
      );
      done.push(...records);
      await checks.round();
      log(`round ${round}: ${records.map((r) => `${r.kind} (${r.note}; back in ${Math.round(r.recoveryMs)} ms)`).join(' + ')}; violations so far: ${checks.violations.size}`);
    }
    return done;
  }

  /** The labs that were ready when the engine died are marked (failed, with a reason) within the reconcile interval. */
  private async engineLosses(checks: ChaosChecks, fault: FaultRecord): Promise<void> {
    const ids = fault.lostLabs ?? [];
    const boundMs = this.intervalMs + 15_000;
    try {
      await eventually(async () => {
        const still = (await checks.statusOf(ids)).filter((l) => l.status === 'ready');
        if (still.length) throw new Error(`${still.length} of ${ids.length} still ready: ${still.slice(0, 3).map((l) => l.id).join(', ')}`);
      }, { timeoutMs: boundMs, intervalMs: 250, what: 'the labs the engine took down to be marked' });
      const rows = await checks.statusOf(ids);
      const reasons = [...new Set(rows.filter((r) => r.status === 'failed').map((r) => r.failure_reason))];
      const unexplained = rows.filter((r) => r.status === 'failed' && !r.failure_reason);
      for (const r of unexplained) checks.violation('engine losses not marked', r.id, `lab ${r.id} failed without a reason`);
      fault.note += `; all marked after ${((performance.now() - fault.backAt!) / 1000).toFixed(1)} s (${reasons.join(' | ') || 'none failed'})`;
    } catch (e) {
      checks.violation('engine losses not marked', `engine@${Math.round(fault.at)}`, (e as Error).message);
    }
  }
}
