import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { LabStatus } from '@labfleet/contracts';
import { createTestDatabase, eventually, TestDatabase } from '@labfleet/testing';
import { AdmissionRepository } from '../src/repositories/admission.repository';
import { LabRepository } from '../src/repositories/lab.repository';
import { connect } from './test-database';

jest.setTimeout(60_000);

/**
 * Found by the chaos suite: a pool lab's `claimed` event was stamped with the claiming
 * transaction's start (now()), which may come before the lab's `ready` event when the request
 * waited for a lock meanwhile: the lab's history then read "claimed" before "ready".
 */
describe('a pool claim is recorded after the ready it claimed (real Postgres)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const template = randomUUID();
  const school = randomUUID();
  const course = randomUUID();
  const student = randomUUID();

  beforeAll(async () => {
    db = await createTestDatabase(false);
    ds = await connect(db.url);
    await ds.runMigrations();
    await ds.query(`INSERT INTO templates (id, name, cpus, memory_mb, pids_limit, ttl_seconds, reserved_cpus, reserved_memory_mb) VALUES ($1, 'small', 1, 512, 256, 600, 0.5, 128)`, [template]);
    await ds.query(`INSERT INTO schools (id, name, slug) VALUES ($1, 'S', 's')`, [school]);
    await ds.query(`INSERT INTO courses (id, school_id, name, labs_per_student) VALUES ($1, $2, 'C', 1)`, [course, school]);
    await ds.query(`INSERT INTO users (id, school_id, email, name, role) VALUES ($1, $2, 'u@s.test', 'U', 'student')`, [student, school]);
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await db?.drop();
  });

  it("the claimed event follows the lab's ready event, even when the claim's transaction began first", async () => {
    const admission = new AdmissionRepository(ds);
    const labs = new LabRepository(ds);
    const hour = () => new Date(Date.now() + 3600_000);
    const [pool] = await admission.createPoolLabs([{ id: randomUUID(), templateId: template, templateVersion: 1, provider: 'docker', createdAt: new Date(), expiresAt: hour(), schoolId: null, courseId: null, ownerId: null }], { cpus: 0.5, memoryMb: 128 }, { cpus: 100, memoryMb: 1 << 20 });
    await labs.transition(pool, { to: LabStatus.Provisioning, actor: 'worker' });
    // Another request of the same student holds the lock the claim takes first (the student's course lock).
    const holder = new Client({ connectionString: db.url });
    await holder.connect();
    await holder.query(`SELECT pg_advisory_lock(hashtextextended($1, 0))`, [`course:${course}:${student}`]);
    const claim = admission.createOwned(
      { id: randomUUID(), templateId: template, templateVersion: 1, provider: 'docker', createdAt: new Date(), schoolId: school, courseId: course, ownerId: student, reserve: { cpus: 0.5, memoryMb: 128 }, courseWide: false, weeklyBudget: false },
      'u@s.test',
      hour,
      { capacity: { cpus: 100, memoryMb: 1 << 20 }, queueMax: 10 },
    );
    await eventually(async () => {
      const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event = 'advisory' AND datname = current_database()`);
      expect(n).toBe(1);
    }, { what: 'the claim to wait for the lock' });
    await labs.transition(pool, { to: LabStatus.Ready, actor: 'worker' });
    await holder.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [`course:${course}:${student}`]);
    await holder.end();
    const { lab, via } = await claim;
    expect([via, lab.id]).toEqual(['pool', pool]);
    const events: { step: string }[] = await ds.query(
      `SELECT coalesce(detail->>'action', from_status || '>' || to_status) AS step FROM lab_events WHERE lab_id = $1 AND from_status IS NOT NULL ORDER BY created_at`,
      [pool],
    );
    expect(events.map((e) => e.step)).toEqual(['pending>provisioning', 'provisioning>ready', 'claimed']);
  });
});
