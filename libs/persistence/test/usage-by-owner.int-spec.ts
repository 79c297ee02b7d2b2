import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { LabStatus } from '@labfleet/contracts';
import { Period, runningSecondsByLab } from '@labfleet/domain';
import { createTestDatabase, TestDatabase } from '@labfleet/testing';
import { statusChanges, usageByOwner } from '../src/repositories/lab-usage.queries';
import { connect } from './test-database';

jest.setTimeout(120_000);

const BASE = Date.parse('2026-03-04T10:00:00Z');
const HOUR_US = 3600 * 1_000_000;

interface EventRow {
  /** Microseconds from BASE: Postgres keeps them, the app's Dates only milliseconds. */
  readonly us: number;
  readonly status: LabStatus;
  readonly action: string | null;
}

interface LabRow {
  readonly owner: string | null;
  readonly createdUs: number;
  readonly endedUs: number | null;
  readonly events: readonly EventRow[];
}

type Usage = Map<string | null, { labs: number; ms: number }>;

/**
 * The report's sums in SQL against the rule they must keep (`runningSecondsByLab`, over the rows
 * the report read before it summed in Postgres), on the real Postgres, to the millisecond.
 */
describe('usageByOwner', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const template = randomUUID();
  const school = randomUUID();
  const [alice, bob] = [randomUUID(), randomUUID()];

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await connect(db.url);
    await ds.query(`INSERT INTO templates (id, name, cpus, memory_mb, pids_limit, ttl_seconds) VALUES ($1, 'docker', 1, 512, 256, 3600)`, [template]);
    await ds.query(`INSERT INTO schools (id, name, slug) VALUES ($1, 'S', 's')`, [school]);
    await ds.query(`INSERT INTO users (id, school_id, email, name, role) VALUES ($1, $3, 'alice@s.test', 'Alice', 'student'), ($2, $3, 'bob@s.test', 'Bob', 'student')`, [alice, bob, school]);
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await db?.drop();
  });

  /** A new course holding `labs`; returns its id. */
  async function course(labs: readonly LabRow[]): Promise<string> {
    const id = randomUUID();
    await ds.query(`INSERT INTO courses (id, school_id, name) VALUES ($1, $2, $3)`, [id, school, `course ${id}`]);
    const ids = labs.map(() => randomUUID());
    const at = (us: number | null) => (us === null ? null : `${us}`);
    await ds.query(
      `INSERT INTO labs (id, template_id, status, provider, created_at, expires_at, ended_at, school_id, course_id, owner_id)
       SELECT l.id, $1, 'stopped', 'docker', $2::timestamptz + l.created * interval '1 microsecond', $2::timestamptz + interval '1 day',
              $2::timestamptz + l.ended * interval '1 microsecond', $3, $4, l.owner
         FROM unnest($5::uuid[], $6::bigint[], $7::bigint[], $8::uuid[]) AS l(id, created, ended, owner)`,
      [template, new Date(BASE), school, id, ids, labs.map((l) => `${l.createdUs}`), labs.map((l) => at(l.endedUs)), labs.map((l) => l.owner)],
    );
    const events = labs.flatMap((l, i) => l.events.map((e) => ({ lab: ids[i], ...e })));
    await ds.query(
      `INSERT INTO lab_events (lab_id, to_status, actor, detail, created_at)
       SELECT e.lab, e.status, 'test', CASE WHEN e.action IS NOT NULL THEN jsonb_build_object('action', e.action) END, $1::timestamptz + e.us * interval '1 microsecond'
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::bigint[]) AS e(lab, status, action, us)`,
      [new Date(BASE), events.map((e) => e.lab), events.map((e) => e.status), events.map((e) => e.action), events.map((e) => `${e.us}`)],
    );
    return id;
  }

  async function summed(courseId: string, period: Period, now: Date): Promise<Usage> {
    return new Map((await usageByOwner(ds.manager, courseId, period, now)).map((u) => [u.ownerId, { labs: u.labs, ms: Math.round(u.seconds * 1000) }]));
  }

  /** What the report counted when it read every event and ran `runningSecondsByLab` on them. */
  async function byTheRule(courseId: string, period: Period, now: Date): Promise<Usage> {
    const changes = await statusChanges(ds.manager, { courseId, period });
    const ownerOf = new Map(changes.map((c) => [c.labId, c.ownerId]));
    const usage: Usage = new Map();
    for (const [labId, seconds] of runningSecondsByLab(changes, period, now)) {
      const owner = ownerOf.get(labId) ?? null;
      const entry = usage.get(owner) ?? { labs: 0, ms: 0 };
      usage.set(owner, { labs: entry.labs + (seconds > 0 ? 1 : 0), ms: entry.ms + Math.round(seconds * 1000) });
    }
    return usage;
  }

  const minutes = (m: number) => m * 60 * 1_000_000;
  const event = (us: number, status: LabStatus, action: string | null = null): EventRow => ({ us, status, action });

  it('counts a claimed pool lab from its claim, a running lab up to now, an owner with no usable time at 0, and no other course', async () => {
    const { Pending, Ready, Stopping, Stopped } = LabStatus;
    const history: LabRow[] = [
      // Ready for the pool at 10:00, claimed at 10:20:00.000999 (the app reads milliseconds), stopping at 10:50.
      { owner: alice, createdUs: 0, endedUs: minutes(51), events: [event(0, Ready), event(minutes(20) + 999, Ready, 'claimed'), event(minutes(50), Stopping), event(minutes(51), Stopped)] },
      // Still running at now (11:30), extended on the way: 10:40 to 11:30.
      { owner: alice, createdUs: minutes(39), endedUs: null, events: [event(minutes(39), Pending), event(minutes(40), Ready), event(minutes(60), Ready, 'extended')] },
      // Never ready.
      { owner: bob, createdUs: minutes(10), endedUs: minutes(12), events: [event(minutes(10), Pending), event(minutes(12), LabStatus.Failed)] },
    ];
    const id = await course(history);
    await course([{ owner: alice, createdUs: 0, endedUs: null, events: [event(0, Ready)] }]);
    const period = { start: new Date(BASE), end: new Date(BASE + 2 * 3600_000) };
    const now = new Date(BASE + 90 * 60_000);
    const expected: Usage = new Map([
      [alice, { labs: 2, ms: (30 + 50) * 60_000 }],
      [bob, { labs: 0, ms: 0 }],
    ]);
    expect(await summed(id, period, now)).toEqual(expected);
    expect(await byTheRule(id, period, now)).toEqual(expected);
  });

  it('gives every owner the labs and milliseconds runningSecondsByLab gives, on any history', async () => {
    const statuses = Object.values(LabStatus);
    const eventRow = fc.record({ us: fc.integer({ min: -4 * HOUR_US, max: 4 * HOUR_US }), status: fc.constantFrom(...statuses), action: fc.constantFrom(null, null, 'claimed', 'extended') });
    // A lab's events never share an instant (one transaction writes one event of a lab), so their order is the history's.
    const lab = fc.record({
      owner: fc.constantFrom(alice, bob, null),
      createdUs: fc.integer({ min: -4 * HOUR_US, max: 4 * HOUR_US }),
      endedUs: fc.option(fc.integer({ min: -4 * HOUR_US, max: 4 * HOUR_US })),
      events: fc.uniqueArray(eventRow, { selector: (e) => e.us, maxLength: 8 }),
    });
    const ms = (hours: number) => fc.integer({ min: -hours * 3600_000, max: hours * 3600_000 });
    await fc.assert(
      fc.asyncProperty(fc.array(lab, { maxLength: 6 }), ms(3), fc.integer({ min: 1, max: 6 * 3600_000 }), ms(5), async (labs, startMs, lengthMs, nowMs) => {
        const id = await course(labs);
        const period = { start: new Date(BASE + startMs), end: new Date(BASE + startMs + lengthMs) };
        const now = new Date(BASE + nowMs);
        expect(await summed(id, period, now)).toEqual(await byTheRule(id, period, now));
      }),
      { numRuns: 150 },
    );
  });
});
