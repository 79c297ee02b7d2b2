import { randomBytes } from 'node:crypto';
import { ApiClient, LabfleetStack, Person, twoSchools } from '@labfleet/testing';

jest.setTimeout(60_000);

type World = Awaited<ReturnType<typeof twoSchools>>;
type Call = readonly [method: string, path: string, body?: unknown];

/**
 * For every endpoint that takes an id, every role from another school and from another course
 * gets 404 (never 403: ids cannot be probed), and nothing changes. No worker runs: the lab stays
 * pending, which is all this needs.
 */
describe('role matrix: objects outside your reach are 404 and stay unchanged', () => {
  let stack: LabfleetStack;
  let w: World;
  let labId: string;
  let tokenId: string;

  const call = (who: ApiClient, [method, path, body]: Call) =>
    path.endsWith('/roster') ? who.csv(path, 'email,name\nintruder@example.test,Intruder\n') : who.request(method, path, body);

  /** Everything the calls below could change, read by the platform admin and the owner. */
  async function snapshot() {
    const admin = stack.client;
    const { school1: s } = w;
    const reads = await Promise.all([
      admin.get(`/api/v1/labs/${labId}`),
      admin.get(`/api/v1/labs/${labId}/events`),
      admin.get(`/api/v1/courses/${s.courseA.id}`),
      admin.get(`/api/v1/courses/${s.courseA.id}/members`),
      admin.get(`/api/v1/courses/${s.courseA.id}/usage`),
      admin.get(`/api/v1/schools/${s.id}`),
      admin.get(`/api/v1/schools/${s.id}/users?limit=500`),
      admin.get(`/api/v1/users/${s.studentA1.id}`),
      s.studentA1.client.get('/api/v1/me/tokens'),
      admin.get('/api/v1/audit?limit=1'),
    ]);
    reads.forEach((r) => expect(r.status).toBe(200));
    // secondsLeft counts down by itself: expiresAt is what a change would move.
    const [{ secondsLeft: _ticking, ...lab }, ...rest] = reads.map((r) => r.body);
    return JSON.stringify([{ ...lab, status: lab.status }, ...rest.slice(0, -1), rest.at(-1).total]);
  }

  beforeAll(async () => {
    stack = await LabfleetStack.start({}, 0);
    w = await twoSchools(stack.client, randomBytes(3).toString('hex'));
    const lab = await w.school1.studentA1.client.post('/api/v1/labs', { course: w.school1.courseA.id, template: 'docker' });
    expect(lab.status).toBe(202);
    labId = lab.body.id;
    const token = await w.school1.studentA1.client.post('/api/v1/me/tokens', { name: 'script' });
    expect(token.status).toBe(201);
    tokenId = token.body.id;
  }, 120_000);

  afterAll(() => stack?.stop());

  const cases = (): { what: string; calls: Call[]; outsiders: [string, Person][] }[] => {
    const { school1: s, school2: o } = w;
    const otherSchool: [string, Person][] = [
      ['school-admin of another school', o.admin],
      ['teacher of another school', o.teacher],
      ['student of another school', o.student],
    ];
    const otherCourse: [string, Person][] = [
      ['teacher of another course', s.teacherB],
      ['student of another course', s.studentB1],
    ];
    const lab = `/api/v1/labs/${labId}`;
    const course = `/api/v1/courses/${s.courseA.id}`;
    const school = `/api/v1/schools/${s.id}`;
    const user = `/api/v1/users/${s.studentA1.id}`;
    return [
      {
        what: "a student's lab",
        calls: [['GET', lab], ['GET', `${lab}/events`], ['DELETE', lab], ['POST', `${lab}/exec`, { command: ['true'] }], ['POST', `${lab}/extend`, { seconds: 600 }]],
        outsiders: [...otherSchool, ...otherCourse, ['classmate in the same course', s.studentA2]],
      },
      {
        what: 'a course',
        calls: [
          ['GET', course],
          ['PATCH', `${course}/policy`, { labsPerStudent: 9 }],
          ['GET', `${course}/members`],
          ['PUT', `${course}/members/${s.studentB1.id}`, { role: 'student' }],
          ['DELETE', `${course}/members/${s.studentA2.id}`],
          ['POST', `${course}/roster`],
          ['POST', `${course}/grants`, { userId: s.studentA1.id, minutes: 100 }],
          ['GET', `${course}/usage`],
        ],
        outsiders: [...otherSchool, ...otherCourse],
      },
      {
        what: 'a school',
        calls: [['GET', school], ['PATCH', school, { name: 'Renamed' }], ['GET', `${school}/users`]],
        outsiders: otherSchool,
      },
      {
        what: "a student's account",
        calls: [['GET', user], ['PATCH', user, { name: 'Renamed', role: 'teacher' }]],
        outsiders: [...otherSchool, ...otherCourse, ['classmate in the same course', s.studentA2], ['teacher of the course', s.teacherA]],
      },
      {
        what: "a student's API token",
        calls: [['DELETE', `/api/v1/me/tokens/${tokenId}`]],
        outsiders: [...otherSchool, ...otherCourse, ['classmate in the same course', s.studentA2], ['teacher of the course', s.teacherA], ['school-admin of the school', s.admin]],
      },
    ];
  };

  it('answers 404 to every outsider on every endpoint, and changes nothing', async () => {
    const before = await snapshot();
    const answers: string[] = [];
    for (const { what, calls, outsiders } of cases()) {
      for (const [role, person] of outsiders) {
        for (const c of calls) {
          const res = await call(person.client, c);
          answers.push(`${what} | ${role} | ${c[0]} ${c[1].replace(/[0-9a-f-]{36}/g, ':id')} -> ${res.status}`);
        }
      }
    }
    expect(answers.filter((a) => !a.endsWith('-> 404'))).toEqual([]);
    expect(answers.length).toBeGreaterThanOrEqual(90);
    expect(await snapshot()).toEqual(before);
  });

  it('while the people within reach do get through (the matrix can fail)', async () => {
    const { school1: s } = w;
    const lab = `/api/v1/labs/${labId}`;
    for (const person of [s.studentA1, s.teacherA, s.admin]) expect((await person.client.get(lab)).status).toBe(200);
    expect((await stack.client.get(lab)).status).toBe(200);
    // A classmate sees the course but cannot manage it: 403, since the course is no secret to them.
    expect((await s.studentA2.client.get(`/api/v1/courses/${s.courseA.id}`)).status).toBe(200);
    expect((await s.studentA2.client.patch(`/api/v1/courses/${s.courseA.id}/policy`, { labsPerStudent: 9 })).status).toBe(403);
    expect((await s.teacherA.client.get(`/api/v1/courses/${s.courseA.id}/members`)).status).toBe(200);
    expect((await s.admin.client.get(`/api/v1/users/${s.studentA1.id}`)).status).toBe(200);
    // Lists are scoped the same way: the lab shows up only for those who may see it.
    const listed = async (p: Person) => (await p.client.get('/api/v1/labs')).body.items.map((l: { id: string }) => l.id);
    expect(await listed(s.teacherA)).toContain(labId);
    expect(await listed(s.admin)).toContain(labId);
    for (const p of [s.studentA2, s.teacherB, s.studentB1, w.school2.admin, w.school2.student]) expect(await listed(p)).not.toContain(labId);
  });

  it('a teacher stops a student lab of their course, and the audit log says who did it to whom', async () => {
    const { school1: s } = w;
    expect((await s.teacherA.client.delete(`/api/v1/labs/${labId}`)).status).toBe(202);
    const audit = await s.admin.client.get('/api/v1/audit?action=lab.stopped');
    expect(audit.status).toBe(200);
    expect(audit.body.items.filter((a: { targetId: string }) => a.targetId === labId)).toEqual([expect.objectContaining({ actorId: s.teacherA.id, actorLabel: s.teacherA.email, targetType: 'lab', detail: { ownerId: s.studentA1.id } })]);
    // Another school's admin does not see this school's audit events.
    expect((await w.school2.admin.client.get('/api/v1/audit?action=lab.stopped')).body.items).toEqual([]);
    expect((await s.teacherA.client.get('/api/v1/audit')).status).toBe(403);
  });
});
