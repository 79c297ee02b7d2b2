/**
 * Bulk-loads a district into a benchmark's database, in server-side statements (generate_series),
 * minutes not hours: schools, accounts, courses, memberships, live labs that the simulation runs,
 * and a term of ended labs with their events.
 */
import IORedis from 'ioredis';
import { Client } from 'pg';
import { SimulatedProvider } from './simulated-provider';

export interface DistrictSize {
  readonly schools: number;
  readonly accounts: number;
  readonly liveLabs: number;
  readonly events: number;
  /** Students of the one large course whose usage over the term is reported. */
  readonly largeCourse: number;
  /** Courses of every other school. */
  readonly coursesPerSchool: number;
  readonly termDays: number;
}

export interface SeededDistrict {
  /** The large course (in school 1, which has only it). */
  readonly largeCourseId: string;
  readonly termStart: Date;
  /** Students with a live lab: owner and lab. */
  readonly live: { readonly userId: string; readonly labId: string; readonly courseId: string }[];
  /** Students without a live lab, with their course, for new lab requests. */
  readonly free: { readonly userId: string; readonly courseId: string }[];
  /** One teacher per course with their course. */
  readonly teachers: { readonly userId: string; readonly courseId: string }[];
  readonly eventsInserted: number;
  readonly endedLabs: number;
}

/** Live labs take 3 events each (to ready), an ended lab 5 (to stopped), as `insertLabs` writes them. */
const LIVE_EVENTS = 3;
const ENDED_EVENTS = 5;
const TEACHERS_PER_COURSE = 2;
const ENDED_CHUNK = 40_000;

export async function seedDistrict(db: Client, size: DistrictSize, template: { id: string; version: number }, redis: IORedis, keyPrefix: string, progress: (line: string) => void): Promise<SeededDistrict> {
  const now = Date.now();
  const termStart = new Date(now - size.termDays * 86_400_000);
  await db.query(`CREATE TEMP TABLE seed_people (n int PRIMARY KEY, id uuid NOT NULL, school int NOT NULL, course int NOT NULL, role text NOT NULL)`);
  await db.query(`CREATE TEMP TABLE seed_courses (n int PRIMARY KEY, id uuid NOT NULL, school int NOT NULL)`);
  await db.query(`CREATE TEMP TABLE seed_schools (n int PRIMARY KEY, id uuid NOT NULL)`);

  await db.query(`INSERT INTO seed_schools SELECT g, gen_random_uuid() FROM generate_series(1, $1::int) g`, [size.schools]);
  await db.query(`INSERT INTO schools (id, name, slug) SELECT id, 'Scale school ' || n, 'scale-' || n FROM seed_schools`);
  // School 1 holds the large course only; the others `coursesPerSchool` each, numbered after it.
  await db.query(
    `INSERT INTO seed_courses SELECT 1, gen_random_uuid(), 1
     UNION ALL SELECT 1 + (s - 2) * $2 + k, gen_random_uuid(), s FROM generate_series(2, $1::int) s, generate_series(1, $2::int) k`,
    [size.schools, size.coursesPerSchool],
  );
  await db.query(`INSERT INTO courses (id, school_id, name) SELECT c.id, s.id, 'Course ' || c.n FROM seed_courses c JOIN seed_schools s ON s.n = c.school`);
  const otherCourses = (size.schools - 1) * size.coursesPerSchool;
  // Accounts 1..large(+teachers) are the large course's; the rest go round the other courses.
  const largeAccounts = size.largeCourse + TEACHERS_PER_COURSE;
  await db.query(
    `INSERT INTO seed_people
     SELECT g, gen_random_uuid(), c.school, c.n, CASE WHEN rank <= $4 THEN 'teacher' ELSE 'student' END
       FROM generate_series(1, $1::int) g,
            LATERAL (SELECT CASE WHEN g <= $2 THEN 1 ELSE 2 + (g - $2 - 1) % $3 END AS course,
                            CASE WHEN g <= $2 THEN g ELSE 1 + (g - $2 - 1) / $3 END AS rank) p
       JOIN seed_courses c ON c.n = p.course`,
    [size.accounts, largeAccounts, otherCourses, TEACHERS_PER_COURSE],
  );
  await db.query(
    `INSERT INTO users (id, school_id, email, name, role)
     SELECT p.id, s.id, 'scale-' || p.n || '@example.test', 'Scale person ' || p.n, p.role FROM seed_people p JOIN seed_schools s ON s.n = p.school`,
  );
  await db.query(`INSERT INTO memberships (course_id, user_id, role) SELECT c.id, p.id, p.role FROM seed_people p JOIN seed_courses c ON c.n = p.course`);
  progress(`${size.schools} schools, ${size.accounts} accounts, ${1 + otherCourses} courses`);

  // Students in a random order: the first `liveLabs` have a live lab.
  await db.query(`CREATE TEMP TABLE seed_students AS SELECT row_number() OVER (ORDER BY random())::int AS r, p.id, p.course, p.school FROM seed_people p WHERE p.role = 'student'`);
  await db.query(`ALTER TABLE seed_students ADD PRIMARY KEY (r)`);
  const students = Number((await db.query(`SELECT count(*) AS n FROM seed_students`)).rows[0].n);

  const live = await db.query<{ lab_id: string; user_id: string; course_id: string }>(
    `WITH made AS (
       INSERT INTO labs (id, template_id, template_version, status, provider, handle, created_at, ready_at, expires_at, school_id, course_id, owner_id)
       SELECT l.id, $1, $2, 'ready', 'docker',
              jsonb_build_object('labId', l.id, 'provider', 'docker', 'nodes', jsonb_build_array(jsonb_build_object('name', 'node1', 'hostname', 'node1', 'runtimeId', 'sim-' || l.id || '-0'))),
              l.at, l.at + interval '2 seconds', now() + interval '6 hours', sc.id, c.id, st.id
         FROM seed_students st JOIN seed_courses c ON c.n = st.course JOIN seed_schools sc ON sc.n = st.school,
              LATERAL (SELECT gen_random_uuid() AS id, now() - (st.r % 3600) * interval '1 second' - interval '1 minute' AS at) l
        WHERE st.r <= $3
       RETURNING id, created_at, owner_id, course_id),
     nodes AS (INSERT INTO lab_nodes (lab_id, name, hostname, runtime_id) SELECT id, 'node1', 'node1', 'sim-' || id || '-0' FROM made),
     events AS (
       INSERT INTO lab_events (lab_id, from_status, to_status, actor, detail, created_at)
       SELECT made.id, s.f, s.t, 'worker', CASE WHEN s.t = 'ready' THEN jsonb_build_object('provisionMs', 300) END, made.created_at + s.k * interval '1 second'
         FROM made, unnest(ARRAY[NULL, 'pending', 'provisioning'], ARRAY['pending', 'provisioning', 'ready']) WITH ORDINALITY AS s(f, t, k))
     SELECT id AS lab_id, owner_id AS user_id, course_id FROM made`,
    [template.id, template.version, size.liveLabs],
  );
  const simKey = SimulatedProvider.keyOf(keyPrefix);
  for (let i = 0; i < live.rows.length; i += 1000) {
    await redis.hset(simKey, Object.fromEntries(live.rows.slice(i, i + 1000).map((r) => [r.lab_id, 'running'])));
  }
  progress(`${live.rows.length} live labs (in the database and the simulation)`);

  // A term of ended labs, owned by students picked evenly, each with its five events.
  const endedLabs = Math.max(0, Math.floor((size.events - live.rows.length * LIVE_EVENTS) / ENDED_EVENTS));
  const termSeconds = Math.floor((now - termStart.getTime()) / 1000) - 7200;
  for (let done = 0; done < endedLabs; done += ENDED_CHUNK) {
    const n = Math.min(ENDED_CHUNK, endedLabs - done);
    await db.query(
      `WITH made AS (
         INSERT INTO labs (id, template_id, template_version, status, provider, created_at, ready_at, expires_at, ended_at, school_id, course_id, owner_id)
         SELECT gen_random_uuid(), $1, $2, 'stopped', 'docker', l.at, l.at + interval '2 seconds', l.at + interval '2 hours', l.at + l.len, sc.id, c.id, st.id
           FROM generate_series($3::int + 1, $3::int + $4::int) g
           JOIN seed_students st ON st.r = 1 + (g::bigint * 7919) % $5
           JOIN seed_courses c ON c.n = st.course JOIN seed_schools sc ON sc.n = st.school,
                LATERAL (SELECT $6::timestamptz + ((g::bigint * 104729) % $7) * interval '1 second' AS at, (10 + g % 110) * interval '1 minute' AS len) l
         RETURNING id, created_at, ended_at)
       INSERT INTO lab_events (lab_id, from_status, to_status, actor, detail, created_at)
       SELECT made.id, s.f, s.t, 'worker', CASE WHEN s.t = 'ready' THEN jsonb_build_object('provisionMs', 300) END,
              CASE WHEN s.t = 'stopped' THEN made.ended_at WHEN s.t = 'stopping' THEN made.ended_at - interval '1 second' ELSE made.created_at + s.k * interval '1 second' END
         FROM made, unnest(ARRAY[NULL, 'pending', 'provisioning', 'ready', 'stopping'], ARRAY['pending', 'provisioning', 'ready', 'stopping', 'stopped']) WITH ORDINALITY AS s(f, t, k)`,
      [template.id, template.version, done, n, students, termStart, termSeconds],
    );
    progress(`${done + n} of ${endedLabs} ended labs (${(done + n) * ENDED_EVENTS} events)`);
  }
  await db.query(`VACUUM ANALYZE`);

  const free = await db.query<{ user_id: string; course_id: string }>(`SELECT st.id AS user_id, c.id AS course_id FROM seed_students st JOIN seed_courses c ON c.n = st.course WHERE st.r > $1 ORDER BY st.r`, [size.liveLabs]);
  const teachers = await db.query<{ user_id: string; course_id: string }>(
    `SELECT DISTINCT ON (p.course) p.id AS user_id, c.id AS course_id FROM seed_people p JOIN seed_courses c ON c.n = p.course WHERE p.role = 'teacher' ORDER BY p.course, p.n`,
  );
  const largeCourseId = (await db.query<{ id: string }>(`SELECT id FROM seed_courses WHERE n = 1`)).rows[0].id;
  return {
    largeCourseId,
    termStart,
    live: live.rows.map((r) => ({ userId: r.user_id, labId: r.lab_id, courseId: r.course_id })),
    free: free.rows.map((r) => ({ userId: r.user_id, courseId: r.course_id })),
    teachers: teachers.rows.map((r) => ({ userId: r.user_id, courseId: r.course_id })),
    eventsInserted: live.rows.length * LIVE_EVENTS + endedLabs * ENDED_EVENTS,
    endedLabs,
  };
}
