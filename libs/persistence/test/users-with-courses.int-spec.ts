import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { CourseRole } from '@labfleet/contracts';
import { createTestDatabase, TestDatabase } from '@labfleet/testing';
import { UserRepository } from '../src/repositories/user.repository';
import { connect } from './test-database';

jest.setTimeout(60_000);

/** Every authenticated request reads its account and courses: requests that arrive together share one query. */
describe('UserRepository.withCourses', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let users: UserRepository;
  const school = randomUUID();
  const [course, other] = [randomUUID(), randomUUID()];
  const people = Array.from({ length: 30 }, () => randomUUID());
  const teacher = randomUUID();

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await connect(db.url);
    await ds.runMigrations();
    users = new UserRepository(ds);
    await ds.query(`INSERT INTO schools (id, name, slug) VALUES ($1, 'S', 's')`, [school]);
    await ds.query(`INSERT INTO courses (id, school_id, name) VALUES ($1, $3, 'C'), ($2, $3, 'D')`, [course, other, school]);
    await ds.query(
      `INSERT INTO users (id, school_id, email, name, role) SELECT id, $2, id || '@s.test', 'P', 'student' FROM unnest($1::uuid[]) AS id`,
      [[...people, teacher], school],
    );
    await ds.query(`INSERT INTO memberships (course_id, user_id, role) SELECT $1, id, $2 FROM unnest($3::uuid[]) AS id`, [course, CourseRole.Student, people]);
    await ds.query(`INSERT INTO memberships (course_id, user_id, role) VALUES ($1, $3, $4), ($2, $3, $4), ($2, $5, $6)`, [
      course,
      other,
      teacher,
      CourseRole.Teacher,
      people[0],
      CourseRole.Student,
    ]);
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await db?.drop();
  });

  it('answers a rush of 30 accounts (and an unknown one, and a malformed id) in one query, each with its own courses', async () => {
    const pool = (ds.driver as unknown as { master: { query: (...args: unknown[]) => unknown } }).master;
    const query = jest.spyOn(pool, 'query');
    const unknown = randomUUID();
    const found = await Promise.all([...people, teacher, unknown, 'not-a-uuid'].map((id) => users.withCourses(id)));
    expect(query).toHaveBeenCalledTimes(1);
    query.mockRestore();

    expect(found.slice(0, 30).map((f) => f?.user.id)).toEqual(people);
    expect(found[0]).toMatchObject({ teaching: [], enrolled: expect.arrayContaining([course, other]) });
    expect(found[0]!.enrolled).toHaveLength(2);
    for (const f of found.slice(1, 30)) expect(f).toMatchObject({ teaching: [], enrolled: [course] });
    expect(found[30]).toMatchObject({ user: { id: teacher, role: 'student', schoolId: school }, enrolled: [] });
    expect([...found[30]!.teaching].sort()).toEqual([course, other].sort());
    expect(found.slice(31)).toEqual([null, null]);
  });

  it('reads a lone account at once, and again on the next request (no cache: a removal from a course counts at once)', async () => {
    expect((await users.withCourses(people[1]))?.enrolled).toEqual([course]);
    await ds.query(`DELETE FROM memberships WHERE user_id = $1`, [people[1]]);
    expect((await users.withCourses(people[1]))?.enrolled).toEqual([]);
  });
});
