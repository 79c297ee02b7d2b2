import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { LabStatus } from '@labfleet/contracts';
import { QuotaExceededError } from '@labfleet/domain';
import { createTestDatabase, TestDatabase } from '@labfleet/testing';
import { LabEntity } from '../src/entities';
import { AdmissionRepository } from '../src/repositories/admission.repository';
import { LabRepository } from '../src/repositories/lab.repository';
import { findLabs } from '../src/repositories/lab-writes';
import { TemplateRepository } from '../src/repositories/template.repository';
import { connect } from './test-database';

jest.setTimeout(60_000);

const RESERVE = { cpus: 0.5, memoryMb: 128 };
const ROOMY = { capacity: { cpus: 100, memoryMb: 1 << 20 }, queueMax: 10 };

/** The warm pool's claim and the admission line, on the real Postgres, under real concurrency. */
describe('AdmissionRepository: pool claims and the waiting line', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let admission: AdmissionRepository;
  const template = randomUUID();
  const school = randomUUID();
  const course = randomUUID();
  const users: string[] = Array.from({ length: 10 }, () => randomUUID());

  // The scenario's clock, not the machine's: a fixed instant, a second later at each reading, so
  // labs are ordered as they were made.
  let seconds = 0;
  const now = () => new Date(Date.parse('2026-03-04T10:00:00Z') + ++seconds * 1000);
  const owned = (ownerId: string) => ({ id: randomUUID(), templateId: template, templateVersion: 1, provider: 'docker', createdAt: now(), schoolId: school, courseId: course, ownerId, reserve: RESERVE, courseWide: false, weeklyBudget: false });
  const oneHour = () => new Date(now().getTime() + 3600_000);
  const poolLab = () => ({ id: randomUUID(), templateId: template, templateVersion: 1, provider: 'docker', createdAt: now(), expiresAt: oneHour(), schoolId: null, courseId: null, ownerId: null });
  const markReady = (ids: string[]) => ds.query(`UPDATE labs SET status = 'ready' WHERE id = ANY($1)`, [ids]);
  const endAll = () => ds.query(`UPDATE labs SET status = 'stopped', queued_at = NULL`);

  beforeAll(async () => {
    db = await createTestDatabase(false);
    ds = await connect(db.url);
    await ds.runMigrations();
    admission = new AdmissionRepository(ds);
    await ds.query(`INSERT INTO templates (id, name, cpus, memory_mb, pids_limit, ttl_seconds, reserved_cpus, reserved_memory_mb) VALUES ($1, 'small', 1, 512, 256, 600, 0.5, 128)`, [template]);
    await ds.query(`INSERT INTO schools (id, name, slug) VALUES ($1, 'S', 's')`, [school]);
    await ds.query(`INSERT INTO courses (id, school_id, name, labs_per_student) VALUES ($1, $2, 'C', 100)`, [course, school]);
    for (const [i, id] of users.entries()) await ds.query(`INSERT INTO users (id, school_id, email, name, role) VALUES ($1, $2, $3, 'U', 'student')`, [id, school, `u${i}@s.test`]);
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await db?.drop();
  });

  it('ten simultaneous requests on a pool of five: five distinct warm labs, five provisioned, none shared', async () => {
    const pool = await admission.createPoolLabs(Array.from({ length: 5 }, poolLab), RESERVE, ROOMY.capacity);
    await markReady(pool);
    const results = await Promise.all(users.map((u) => admission.createOwned(owned(u), u, () => oneHour(), ROOMY)));
    const fromPool = results.filter((r) => r.via === 'pool');
    expect(fromPool).toHaveLength(5);
    expect(new Set(fromPool.map((r) => r.lab.id))).toEqual(new Set(pool));
    expect(results.filter((r) => r.via === 'provision')).toHaveLength(5);
    // Every lab has exactly one owner, and each owner exactly one lab.
    const rows: { owner_id: string; n: number }[] = await ds.query(`SELECT owner_id, count(*)::int AS n FROM labs WHERE owner_id IS NOT NULL GROUP BY owner_id`);
    expect(rows).toHaveLength(10);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    const claims: { n: number }[] = await ds.query(`SELECT count(*)::int AS n FROM lab_events WHERE detail->>'action' = 'claimed'`);
    expect(claims[0].n).toBe(5);
    await endAll();
  });

  it('a claimed lab comes back as a read of it gives it: template, owner, nodes in name order, handle, dates', async () => {
    await endAll();
    const [id] = await admission.createPoolLabs([poolLab()], RESERVE, ROOMY.capacity);
    await ds.query(`UPDATE labs SET status = 'ready', ready_at = now(), handle = '{"host": "h1", "network": "n1"}' WHERE id = $1`, [id]);
    for (const name of ['node2', 'node10', 'node1']) {
      await ds.query(`INSERT INTO lab_nodes (lab_id, name, hostname, address) VALUES ($1, $2, $3, '10.1.2.3')`, [id, name, `${name}-host`]);
    }
    const { lab, via } = await admission.createOwned(owned(users[0]), 'u0@s.test', () => oneHour(), ROOMY);
    expect({ via, id: lab.id }).toEqual({ via: 'pool', id });
    // Both the claim's answer and findLabs build the lab from JSON rows: hold them to TypeORM's own read.
    const typeorm = await ds.manager.find(LabEntity, { where: { id }, relations: { template: true, nodes: true, owner: true }, order: { nodes: { name: 'ASC' } } });
    const [read] = await findLabs(ds.manager, [id]);
    const [inTransaction] = await ds.transaction((em) => findLabs(em, [id]));
    expect(read).toEqual(typeorm[0]);
    expect(inTransaction).toEqual(typeorm[0]);
    expect(lab).toEqual(read);
    expect(lab.nodes!.map((n) => n.name)).toEqual(read.nodes!.map((n) => n.name));
    expect(lab.template!.reservedCpus).toBe(0.5);
    expect(lab.owner!.email).toBe('u0@s.test');
    expect(lab.claimedAt).toBeInstanceOf(Date);
    await endAll();
  });

  it('capacity: pool labs stop where it is full; a request then waits in line, the next is refused, and admission lets it through when room frees', async () => {
    const tight = { capacity: { cpus: 1.5, memoryMb: 1 << 20 }, queueMax: 1 };
    expect(await admission.createPoolLabs(Array.from({ length: 5 }, poolLab), RESERVE, tight.capacity)).toHaveLength(3);
    const [a, b, c] = users;
    // No idle lab is ready yet, so nothing can be claimed: the first request waits.
    const waiting = await admission.createOwned(owned(a), a, () => oneHour(), tight);
    expect(waiting.via).toBe('queue');
    expect(await admission.queuePosition(waiting.lab)).toBe(1);
    await expect(admission.createOwned(owned(b), b, () => oneHour(), tight)).rejects.toThrow(QuotaExceededError);
    // The pool does not refill ahead of someone waiting.
    expect(await admission.createPoolLabs([poolLab()], RESERVE, { cpus: 100, memoryMb: 1 << 20 })).toEqual([]);
    expect(await admission.admitWaiting(tight.capacity)).toEqual([]);
    await ds.query(`UPDATE labs SET status = 'stopped' WHERE course_id IS NULL AND id IN (SELECT id FROM labs WHERE course_id IS NULL AND status = 'pending' LIMIT 1)`);
    expect(await admission.admitWaiting(tight.capacity)).toEqual([waiting.lab.id]);
    expect(await admission.queuePosition({ id: waiting.lab.id, queuedAt: null })).toBeNull();
    expect((await admission.usage()).waiting).toBe(0);
    await expect(admission.createOwned(owned(c), c, () => oneHour(), tight)).resolves.toMatchObject({ via: 'queue' });
    await endAll();
  });

  it('a waiting-line pass with nobody waiting does not wait for the admission lock, which every cold request takes', async () => {
    await endAll();
    const holder = ds.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await holder.query(`SELECT pg_advisory_xact_lock(hashtextextended('admission', 0))`);
      const blocked = new Promise((resolve) => setTimeout(() => resolve('waited for the lock'), 2000));
      expect(await Promise.race([admission.admitWaiting(ROOMY.capacity), blocked])).toEqual([]);
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
  });

  it('without a course-wide limit, one person is still checked one request at a time: five at once, one lab', async () => {
    const [u] = users;
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () =>
        admission.createOwned(owned(u), u, (state) => {
          if (state.ownerLive.count >= 1) throw new Error('labsPerStudent');
          return oneHour();
        }, ROOMY),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    await endAll();
  });

  it('requests decided together in one batch: each template gets its own idle labs in order, and a course-wide cap counts the ones before', async () => {
    const other = randomUUID();
    await ds.query(`INSERT INTO templates (id, name, cpus, memory_mb, pids_limit, ttl_seconds, reserved_cpus, reserved_memory_mb) VALUES ($1, 'other', 1, 512, 256, 600, 0.5, 128)`, [other]);
    const small = await admission.createPoolLabs(Array.from({ length: 2 }, poolLab), RESERVE, ROOMY.capacity);
    const big = await admission.createPoolLabs([{ ...poolLab(), templateId: other }], RESERVE, ROOMY.capacity);
    await markReady([...small, ...big]);
    const capped = (state: { courseLive: { count: number } }) => {
      if (state.courseLive.count >= 3) throw new QuotaExceededError({ limit: 'maxConcurrentLabs', status: 429, message: 'course full', limitValue: 3 });
      return oneHour();
    };
    const asks = [template, other, template, template, other].map((t, k) => admission.createOwned({ ...owned(users[k]), templateId: t, courseWide: true }, users[k], capped, ROOMY));
    const results = await Promise.allSettled(asks);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.via : 'refused'))).toEqual(['pool', 'pool', 'pool', 'refused', 'refused']);
    const labs = results.map((r) => (r.status === 'fulfilled' ? r.value.lab.id : null));
    expect(new Set([labs[0], labs[2]])).toEqual(new Set(small));
    expect(labs[1]).toBe(big[0]);
    expect(results.slice(0, 3).map((r) => (r.status === 'fulfilled' ? r.value.lab.ownerId : null))).toEqual(users.slice(0, 3));
    await endAll();
  });

  it('a claim undone (its jobs could not be queued) gives the lab back to the pool with its expiry, and keeps its history', async () => {
    const [id] = await admission.createPoolLabs([poolLab()], RESERVE, ROOMY.capacity);
    await markReady([id]);
    const [before] = await ds.query(`SELECT expires_at FROM labs WHERE id = $1`, [id]);
    const claim = await admission.createOwned(owned(users[0]), users[0], () => oneHour(), ROOMY);
    expect(claim).toMatchObject({ via: 'pool', lab: { id } });
    await new LabRepository(ds).unclaim(id, 'student');
    const [after] = await ds.query(`SELECT status, course_id, owner_id, claimed_at, expires_at FROM labs WHERE id = $1`, [id]);
    expect(after).toEqual({ status: 'ready', course_id: null, owner_id: null, claimed_at: null, expires_at: before.expires_at });
    const history: { action: string | null }[] = await ds.query(`SELECT detail->>'action' AS action FROM lab_events WHERE lab_id = $1 ORDER BY created_at`, [id]);
    expect(history.map((e) => e.action)).toEqual([null, 'claimed', 'claim-undone']);
    // Back in the pool: the next student gets it.
    expect(await admission.createOwned(owned(users[1]), users[1], () => oneHour(), ROOMY)).toMatchObject({ via: 'pool', lab: { id } });
    await endAll();
  });

  it('people wait in the order they asked', async () => {
    const full = { capacity: { cpus: 0, memoryMb: 0 }, queueMax: 10 };
    const line = [];
    for (const u of users.slice(0, 4)) line.push((await admission.createOwned(owned(u), u, () => oneHour(), full)).lab);
    expect(await Promise.all(line.map((l) => admission.queuePosition(l)))).toEqual([1, 2, 3, 4]);
    expect(await admission.admitWaiting({ cpus: 1, memoryMb: 1 << 20 })).toEqual(line.slice(0, 2).map((l) => l.id));
    const rows: { status: LabStatus; queued: boolean }[] = await ds.query(`SELECT status, queued_at IS NOT NULL AS queued FROM labs WHERE id = ANY($1) ORDER BY created_at`, [line.map((l) => l.id)]);
    expect(rows.map((r) => r.queued)).toEqual([false, false, true, true]);
  });

  it("a pool lab made of an older version of its template is never handed out; the template's stale pool labs are listed for draining", async () => {
    await endAll();
    const [stale] = await admission.createPoolLabs([poolLab()], RESERVE, ROOMY.capacity);
    await markReady([stale]);
    await ds.query(`UPDATE templates SET version = 2 WHERE id = $1`, [template]);
    const asked = await admission.createOwned({ ...owned(users[0]), templateVersion: 2 }, users[0], () => oneHour(), ROOMY);
    expect(asked.via).toBe('provision');
    expect(asked.lab.templateVersion).toBe(2);
    expect(await new TemplateRepository(ds).stalePoolLabs()).toEqual([stale]);
    const [fresh] = await admission.createPoolLabs([{ ...poolLab(), templateVersion: 2 }], RESERVE, ROOMY.capacity);
    await markReady([fresh]);
    expect((await admission.createOwned({ ...owned(users[1]), templateVersion: 2 }, users[1], () => oneHour(), ROOMY)).lab.id).toBe(fresh);
    await endAll();
    await ds.query(`UPDATE templates SET version = 1 WHERE id = $1`, [template]);
  });
});
