import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { LabStatus } from '@labfleet/contracts';
import { admitLab, CoursePolicy, DEFAULT_COURSE_POLICY, QuotaExceededError, weekOf } from '@labfleet/domain';
import { createTestDatabase, eventually, TestDatabase } from '@labfleet/testing';
import { DEFAULT_COURSE_ID, DEFAULT_SCHOOL_ID } from '../src/default-tenancy';
import { MIGRATIONS } from '../src/migrations';
import { InitialSchema1764280000000 } from '../src/migrations/1764280000000-initial-schema';
import { LabEntity } from '../src/entities';
import { AdmissionRepository } from '../src/repositories/admission.repository';
import { LabRepository } from '../src/repositories/lab.repository';
import { quotaState } from '../src/repositories/lab-usage.queries';
import { runMigrations } from '../src/run-migrations';
import { connect } from './test-database';

jest.setTimeout(60_000);

/** Every migration after the first: what runs on top of the old schema. */
const LATER = MIGRATIONS.slice(1).map((m) => m.name);
const POOL_TABLES = ['pools', 'timetable_slots'];
/** Template versions (teachers' templates) and the course registry's signing key. */
const COURSE_TABLES = ['template_versions', 'registry_signing_keys'];
const EXERCISE_TABLES = ['exercises', 'exercise_attempts', 'exercise_progress'];
/** Schools' caps on what one lab may ask for. */
const SCHOOL_CAP_COLUMNS = ['lab_max_cpus', 'lab_max_disk_mb', 'lab_max_memory_mb', 'lab_max_nodes', 'lab_max_pids', 'lab_max_ttl_seconds'];
const ACCOUNT_TABLES = ['schools', 'users', 'identities', 'courses', 'memberships', 'minute_grants', 'refresh_tokens', 'api_tokens', 'audit_events'];

async function tables(ds: DataSource): Promise<string[]> {
  const rows: { table_name: string }[] = await ds.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`);
  return rows.map((r) => r.table_name);
}

async function labColumns(ds: DataSource): Promise<string[]> {
  const rows: { column_name: string }[] = await ds.query(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'labs' ORDER BY column_name`,
  );
  return rows.map((r) => r.column_name);
}

async function schoolColumns(ds: DataSource): Promise<string[]> {
  const rows: { column_name: string }[] = await ds.query(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'schools' AND column_name LIKE 'lab_max_%' ORDER BY column_name`,
  );
  return rows.map((r) => r.column_name);
}

async function appliedMigrations(ds: DataSource): Promise<string[]> {
  const rows: { name: string }[] = await ds.query(`SELECT name FROM migrations ORDER BY timestamp`);
  return rows.map((r) => r.name);
}

describe('migrations', () => {
  let db: TestDatabase;
  const OLD_TEMPLATE_ID = randomUUID();
  const OLD_LAB_ID = randomUUID();

  beforeAll(async () => {
    db = await createTestDatabase(false);
    // The schema as it shipped before accounts existed: only the first migration.
    const old = await connect(db.url, [InitialSchema1764280000000]);
    try {
      expect((await old.runMigrations({ transaction: 'each' })).map((m) => m.name)).toEqual(['InitialSchema1764280000000']);
      await old.query(`INSERT INTO templates (id, name, cpus, memory_mb, pids_limit, ttl_seconds) VALUES ($1, 'old-docker', 1.5, 2048, 512, 3600)`, [OLD_TEMPLATE_ID]);
      await old.query(
        `INSERT INTO labs (id, template_id, status, provider, created_at, expires_at, ready_at)
         VALUES ($1, $2, 'ready', 'docker', '2025-11-20T10:00:00Z', '2025-11-20T11:00:00Z', '2025-11-20T10:00:30Z')`,
        [OLD_LAB_ID, OLD_TEMPLATE_ID],
      );
      await old.query(`INSERT INTO lab_events (lab_id, from_status, to_status, actor, created_at) VALUES ($1, 'provisioning', 'ready', 'worker', '2025-11-20T10:00:30Z')`, [
        OLD_LAB_ID,
      ]);
    } finally {
      await old.destroy();
    }
  });

  afterAll(async () => {
    await db?.drop();
  });

  async function withDb<T>(fn: (ds: DataSource) => Promise<T>): Promise<T> {
    const ds = await connect(db.url);
    try {
      return await fn(ds);
    } finally {
      await ds.destroy();
    }
  }

  async function expectOldLabAdopted(ds: DataSource): Promise<void> {
    expect(await ds.query(`SELECT id, template_id, status, school_id, course_id, owner_id FROM labs`)).toEqual([
      { id: OLD_LAB_ID, template_id: OLD_TEMPLATE_ID, status: 'ready', school_id: DEFAULT_SCHOOL_ID, course_id: DEFAULT_COURSE_ID, owner_id: null },
    ]);
  }

  it('the old schema has no account tables and no lab tenancy', async () => {
    await withDb(async (ds) => {
      expect(await tables(ds)).toEqual(['lab_events', 'lab_nodes', 'labs', 'migrations', 'templates']);
      expect(await labColumns(ds)).not.toContain('course_id');
    });
  });

  it('applies the later migrations on top of the old schema', async () => {
    expect(await runMigrations(db.url)).toEqual(LATER);
  });

  it('gives labs made before accounts the default school and course, and no owner, keeping their history', async () => {
    await withDb(async (ds) => {
      await expectOldLabAdopted(ds);
      const events = await ds.query(`SELECT lab_id, from_status, to_status, actor FROM lab_events`);
      expect(events).toEqual([{ lab_id: OLD_LAB_ID, from_status: 'provisioning', to_status: 'ready', actor: 'worker' }]);
      expect(await ds.query(`SELECT id, name, cpus::text AS cpus, ttl_seconds FROM templates`)).toEqual([{ id: OLD_TEMPLATE_ID, name: 'old-docker', cpus: '1.50', ttl_seconds: 3600 }]);
    });
  });

  it('creates the default school and course', async () => {
    await withDb(async (ds) => {
      expect(await ds.query(`SELECT id, slug, name FROM schools`)).toEqual([{ id: DEFAULT_SCHOOL_ID, slug: 'default', name: 'Default school' }]);
      expect(await ds.query(`SELECT id, school_id, name, labs_per_student, max_concurrent_labs, weekly_minutes_per_student FROM courses`)).toEqual([
        { id: DEFAULT_COURSE_ID, school_id: DEFAULT_SCHOOL_ID, name: 'Default course', labs_per_student: 1000, max_concurrent_labs: null, weekly_minutes_per_student: null },
      ]);
    });
  });

  it('only adds: every old table stays, the new ones exist, labs gain tenancy columns', async () => {
    await withDb(async (ds) => {
      expect(await tables(ds)).toEqual([...['lab_events', 'lab_nodes', 'labs', 'migrations', 'templates'], ...ACCOUNT_TABLES, ...POOL_TABLES, ...COURSE_TABLES, ...EXERCISE_TABLES].sort());
      expect(await labColumns(ds)).toEqual(
        ['claimed_at', 'queued_at', 'created_at', 'course_id', 'ended_at', 'expires_at', 'failure_reason', 'handle', 'id', 'owner_id', 'provider', 'ready_at', 'school_id', 'status', 'template_id', 'template_version', 'updated_at', 'wait_reason', 'waiting_since'].sort(),
      );
      expect(await schoolColumns(ds)).toEqual(SCHOOL_CAP_COLUMNS);
    });
  });

  it('running the migrations again does nothing', async () => {
    expect(await runMigrations(db.url)).toEqual([]);
    await withDb(async (ds) => {
      expect(await appliedMigrations(ds)).toEqual(['InitialSchema1764280000000', ...LATER]);
      expect(await ds.query(`SELECT count(*)::int AS n FROM schools`)).toEqual([{ n: 1 }]);
      expect(await ds.query(`SELECT count(*)::int AS n FROM courses`)).toEqual([{ n: 1 }]);
      await expectOldLabAdopted(ds);
    });
  });

  it('undoing the later migrations restores the old schema and keeps the old data; re-running them works', async () => {
    await withDb(async (ds) => {
      for (let i = 0; i < LATER.length; i++) await ds.undoLastMigration({ transaction: 'each' });
      expect(await appliedMigrations(ds)).toEqual(['InitialSchema1764280000000']);
      expect(await tables(ds)).toEqual(['lab_events', 'lab_nodes', 'labs', 'migrations', 'templates']);
      expect(await labColumns(ds)).toEqual(
        ['created_at', 'ended_at', 'expires_at', 'failure_reason', 'handle', 'id', 'provider', 'ready_at', 'status', 'template_id', 'updated_at'].sort(),
      );
      const indexes: { indexname: string }[] = await ds.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'labs' ORDER BY indexname`);
      expect(indexes.map((i) => i.indexname)).toEqual(['PK_labs_id', 'idx_labs_created_at', 'idx_labs_status', 'idx_labs_template_id']);
      const eventIndexes: { indexdef: string }[] = await ds.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'lab_events' ORDER BY indexname`);
      expect(eventIndexes.map((i) => i.indexdef.replace(/^.* USING /, ''))).toEqual(['btree (id)', 'btree (lab_id, created_at)']);
      expect(await ds.query(`SELECT id FROM labs`)).toEqual([{ id: OLD_LAB_ID }]);
      expect(await ds.query(`SELECT count(*)::int AS n FROM lab_events`)).toEqual([{ n: 1 }]);
    });
    expect(await runMigrations(db.url)).toEqual(LATER);
    await withDb(async (ds) => {
      await expectOldLabAdopted(ds);
      expect(await tables(ds)).toEqual([...['lab_events', 'lab_nodes', 'labs', 'migrations', 'templates'], ...ACCOUNT_TABLES, ...POOL_TABLES, ...COURSE_TABLES, ...EXERCISE_TABLES].sort());
      expect(await ds.query(`SELECT id, slug FROM schools`)).toEqual([{ id: DEFAULT_SCHOOL_ID, slug: 'default' }]);
      expect(await schoolColumns(ds)).toEqual(SCHOOL_CAP_COLUMNS);
    });
    expect(await runMigrations(db.url)).toEqual([]);
  });
});

describe('AdmissionRepository course lock', () => {
  const RESERVE = { cpus: 0.05, memoryMb: 128 };
  const LIMITS = { capacity: { cpus: 1000, memoryMb: 1 << 30 }, queueMax: 100 };
  let db: TestDatabase;
  let ds: DataSource;
  let admission: AdmissionRepository;
  const SCHOOL = randomUUID();
  const COURSE = randomUUID();
  const OTHER_COURSE = randomUUID();
  const STUDENT = randomUUID();
  const TEMPLATE = randomUUID();
  const TTL = 3600;
  const policy: CoursePolicy = { ...DEFAULT_COURSE_POLICY, maxConcurrentLabs: 3, labsPerStudent: 100 };
  /** The instant the scenario plays at, a Wednesday: the queries take it as a parameter, so the clock does not matter. */
  const NOW = new Date('2026-03-04T10:00:00Z');

  beforeAll(async () => {
    db = await createTestDatabase(false);
    await runMigrations(db.url);
    ds = await connect(db.url);
    admission = new AdmissionRepository(ds);
    await ds.query(`INSERT INTO templates (id, name, cpus, memory_mb, pids_limit, ttl_seconds) VALUES ($1, 'docker', 1, 1024, 256, $2)`, [TEMPLATE, TTL]);
    await ds.query(`INSERT INTO schools (id, name, slug) VALUES ($1, 'Lycée A', 'lycee-a')`, [SCHOOL]);
    await ds.query(`INSERT INTO courses (id, school_id, name, max_concurrent_labs, labs_per_student) VALUES ($1, $2, 'Docker 101', 3, 100), ($3, $2, 'Docker 102', NULL, 1)`, [
      COURSE,
      SCHOOL,
      OTHER_COURSE,
    ]);
    await ds.query(`INSERT INTO users (id, school_id, email, name, role) VALUES ($1, $2, 'alice@lycee-a.example', 'Alice', 'student')`, [STUDENT, SCHOOL]);
    await ds.query(`INSERT INTO memberships (course_id, user_id, role) VALUES ($1, $2, 'student'), ($3, $2, 'student')`, [COURSE, STUDENT, OTHER_COURSE]);
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await db?.drop();
  });

  it('lets exactly maxConcurrentLabs of 10 simultaneous requests through', async () => {
    const createdAt = NOW;
    const seen: number[] = [];
    const attempts = Array.from({ length: 10 }, () =>
      admission.createOwned({ id: randomUUID(), templateId: TEMPLATE, templateVersion: 1, provider: 'docker', createdAt, schoolId: SCHOOL, courseId: COURSE, ownerId: STUDENT, reserve: RESERVE, courseWide: true, weeklyBudget: false }, 'api', (state) => {
        seen.push(state.courseLive.count);
        const decision = admitLab(policy, { template: 'docker', templateTtlSeconds: TTL }, state);
        if (!decision.ok) throw new QuotaExceededError(decision.refusal);
        return new Date(createdAt.getTime() + decision.value * 1000);
      }, LIMITS),
    );
    const results = await Promise.allSettled(attempts);

    const created = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(created).toHaveLength(3);
    expect(refused).toHaveLength(7);
    for (const r of refused) {
      expect(r.reason).toBeInstanceOf(QuotaExceededError);
      expect((r.reason as QuotaExceededError).refusal).toMatchObject({ limit: 'maxConcurrentLabs', status: 429, current: 3, limitValue: 3 });
    }
    // Decisions were taken one after the other: each saw the labs admitted before it.
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 3, 3, 3, 3, 3, 3]);

    expect(await ds.query(`SELECT status, count(*)::int AS n FROM labs WHERE course_id = $1 GROUP BY status`, [COURSE])).toEqual([{ status: 'pending', n: 3 }]);
    // Refused requests left nothing behind, not even an event.
    expect(await ds.query(`SELECT count(*)::int AS n FROM lab_events e JOIN labs l ON l.id = e.lab_id WHERE l.course_id = $1`, [COURSE])).toEqual([{ n: 3 }]);
    const expiry: { expires_at: Date }[] = await ds.query(`SELECT DISTINCT expires_at FROM labs WHERE course_id = $1`, [COURSE]);
    expect(expiry.map((r) => r.expires_at.getTime())).toEqual([createdAt.getTime() + TTL * 1000]);
  });

  it('an extension waits for a lab request of the same student in a course without a course-wide limit: they take the same lock', async () => {
    const labs = new LabRepository(ds);
    const id = randomUUID();
    const until = new Date(NOW.getTime() + 3600_000);
    await ds.query(
      `INSERT INTO labs (id, template_id, status, provider, created_at, expires_at, school_id, course_id, owner_id) VALUES ($1, $2, 'ready', 'docker', now(), $3, $4, $5, $6)`,
      [id, TEMPLATE, until, SCHOOL, OTHER_COURSE, STUDENT],
    );
    // What a request of Alice's in Docker 102 (labs per student, no course-wide cap) holds while it decides.
    const request = ds.createQueryRunner();
    await request.connect();
    await request.startTransaction();
    await request.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`course:${OTHER_COURSE}:${STUDENT}`]);
    let finished = false;
    const later = new Date(until.getTime() + 600_000);
    const extended = labs.extendWithinQuota({ id, courseId: OTHER_COURSE, ownerId: STUDENT, expiresAt: until } as LabEntity, 'alice', () => later).finally(() => (finished = true));
    const waitingForLocks = () =>
      ds.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
    await eventually(async () => expect(await waitingForLocks()).toEqual([{ n: 1 }]), { timeoutMs: 10_000, what: 'the extension to wait for the lock' });
    expect(finished).toBe(false);
    await request.commitTransaction();
    await request.release();
    expect(await extended).toEqual(later);
    // Leaves no lab time for the usage test below.
    await ds.query(`DELETE FROM lab_events WHERE lab_id = $1`, [id]);
    await ds.query(`DELETE FROM labs WHERE id = $1`, [id]);
  });

  it('quotaState counts live labs, this week’s minute grants, and the seconds used from lab events', async () => {
    const now = NOW;
    const week = weekOf(now);
    const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
    const lastWeek = new Date(week.start.getTime() - 7 * 24 * 3600 * 1000);

    await ds.query(
      `INSERT INTO minute_grants (course_id, user_id, minutes, week_start, granted_by, reason)
       VALUES ($1, $2, 15, $3, 'teacher@lycee-a.example', 'project'), ($1, $2, 5, $3, 'teacher@lycee-a.example', 'extra'),
              ($1, $2, 100, $4, 'teacher@lycee-a.example', 'last week'), ($5, $2, 50, $3, 'teacher@lycee-a.example', 'other course')`,
      [COURSE, STUDENT, week.start, lastWeek, OTHER_COURSE],
    );
    const used = randomUUID();
    await ds.query(
      `INSERT INTO labs (id, template_id, status, provider, created_at, ready_at, expires_at, ended_at, school_id, course_id, owner_id)
       VALUES ($1, $2, 'stopped', 'docker', $3, $4, $5, $6, $7, $8, $9)`,
      [used, TEMPLATE, ago(11), ago(10), ago(-50), ago(5), SCHOOL, COURSE, STUDENT],
    );
    await ds.query(
      `INSERT INTO lab_events (lab_id, from_status, to_status, actor, created_at)
       VALUES ($1, NULL, 'pending', 'api', $2), ($1, 'pending', 'provisioning', 'worker', $3), ($1, 'provisioning', 'ready', 'worker', $4),
              ($1, 'ready', 'stopping', 'api', $5), ($1, 'stopping', 'stopped', 'worker', $6)`,
      [used, ago(11), ago(10.9), ago(10), ago(5), ago(4.9)],
    );
    // Another course's usage does not count.
    const elsewhere = randomUUID();
    await ds.query(
      `INSERT INTO labs (id, template_id, status, provider, created_at, ready_at, expires_at, ended_at, school_id, course_id, owner_id)
       VALUES ($1, $2, 'stopped', 'docker', $3, $3, $4, $4, $5, $6, $7)`,
      [elsewhere, TEMPLATE, ago(30), ago(20), SCHOOL, OTHER_COURSE, STUDENT],
    );
    await ds.query(`INSERT INTO lab_events (lab_id, from_status, to_status, actor, created_at) VALUES ($1, 'provisioning', 'ready', 'worker', $2), ($1, 'ready', 'stopping', 'api', $3)`, [
      elsewhere,
      ago(30),
      ago(20),
    ]);

    const state = await quotaState(ds.manager, COURSE, STUDENT, week, now);
    expect(state.usedSeconds).toBe(300);
    expect(state.grantedMinutes).toBe(20);
    expect(state.week).toEqual(week);
    // The three pending labs of the previous test are live; the stopped one is not.
    expect(state.courseLive.count).toBe(3);
    expect(state.ownerLive.count).toBe(3);
    const [{ min }] = await ds.query(`SELECT min(expires_at) AS min FROM labs WHERE course_id = $1 AND status = 'pending'`, [COURSE]);
    expect(state.courseLive.earliestExpiry).toEqual(min);
    expect(state.ownerLive.earliestExpiry).toEqual(min);

    const other = await quotaState(ds.manager, OTHER_COURSE, STUDENT, week, now);
    expect(other).toMatchObject({ usedSeconds: 600, grantedMinutes: 50, courseLive: { count: 0, earliestExpiry: null }, ownerLive: { count: 0, earliestExpiry: null } });

    const nobody = await quotaState(ds.manager, COURSE, randomUUID(), week, now);
    expect(nobody).toMatchObject({ usedSeconds: 0, grantedMinutes: 0, courseLive: { count: 3 }, ownerLive: { count: 0, earliestExpiry: null } });
  });

  it('createOwned hands the admit callback the used seconds and grants', async () => {
    // Free the course's slots, then admit under a weekly budget: (10 + 20 granted) min - 300 s used = 1500 s.
    await ds.query(`UPDATE labs SET status = $2 WHERE course_id = $1 AND status = 'pending'`, [COURSE, LabStatus.Stopped]);
    const createdAt = NOW;
    const budget: CoursePolicy = { ...policy, weeklyMinutesPerStudent: 10 };
    const { lab } = await admission.createOwned(
      { id: randomUUID(), templateId: TEMPLATE, templateVersion: 1, provider: 'docker', createdAt, schoolId: SCHOOL, courseId: COURSE, ownerId: STUDENT, reserve: RESERVE, courseWide: true, weeklyBudget: true },
      'api',
      (state) => {
        expect(state).toMatchObject({ usedSeconds: 300, grantedMinutes: 20, courseLive: { count: 0 } });
        const decision = admitLab(budget, { template: 'docker', templateTtlSeconds: TTL }, state);
        if (!decision.ok) throw new QuotaExceededError(decision.refusal);
        return new Date(createdAt.getTime() + decision.value * 1000);
      },
      LIMITS,
    );
    expect(lab.expiresAt.getTime() - createdAt.getTime()).toBe(1500 * 1000);
    expect(lab).toMatchObject({ status: LabStatus.Pending, courseId: COURSE, ownerId: STUDENT, schoolId: SCHOOL });
  });
});
