import { ApiClient } from './api-client';

export const TEST_PASSWORD = 'correct-horse-battery';

/** An account made through the API, logged in with its password. */
export interface Person {
  readonly id: string;
  readonly email: string;
  readonly role: string;
  readonly client: ApiClient;
  readonly session: { accessToken: string; refreshToken: string };
}

const ok = <T>(res: { status: number; body: T }, what: string, status = 201): T => {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};

/** Creates schools, accounts and courses through the API, as an admin would. */
export class TenantBuilder {
  constructor(readonly admin: ApiClient) {}

  async school(slug: string): Promise<{ id: string; slug: string }> {
    return ok(await this.admin.post('/api/v1/schools', { name: `School ${slug}`, slug }), `create school ${slug}`);
  }

  async course(schoolId: string, name: string, policy: Record<string, unknown> = {}): Promise<{ id: string }> {
    return ok(await this.admin.post('/api/v1/courses', { schoolId, name, ...policy }), `create course ${name}`);
  }

  async person(schoolId: string | null, role: string, email: string): Promise<Person> {
    const user = ok<{ id: string }>(await this.admin.post('/api/v1/users', { ...(schoolId ? { schoolId } : {}), email, name: email.split('@')[0], role, password: TEST_PASSWORD }), `create ${email}`);
    const session = await login(this.admin.baseUrl, email, TEST_PASSWORD);
    return { id: user.id, email, role, client: new ApiClient(this.admin.baseUrl, session.accessToken), session };
  }

  async enroll(courseId: string, person: Person, role: 'teacher' | 'student'): Promise<void> {
    ok(await this.admin.request('PUT', `/api/v1/courses/${courseId}/members/${person.id}`, { role }), `enroll ${person.email}`, 200);
  }
}

export async function login(baseUrl: string, email: string, password: string): Promise<{ accessToken: string; refreshToken: string }> {
  return ok(await new ApiClient(baseUrl, null).post('/api/v1/auth/login', { email, password }), `login ${email}`, 200);
}

/**
 * Two schools. School 1 has course A (teacher A, students A1 and A2) and course B (teacher B,
 * student B1); school 2 has its own admin, teacher, student and course. The bootstrap token
 * (`admin`) is a platform admin.
 */
export async function twoSchools(admin: ApiClient, tag: string) {
  const t = new TenantBuilder(admin);
  const [s1, s2] = [await t.school(`s1-${tag}`), await t.school(`s2-${tag}`)];
  const courseA = await t.course(s1.id, 'Course A', { labsPerStudent: 2 });
  const courseB = await t.course(s1.id, 'Course B');
  const course2 = await t.course(s2.id, 'Course 2');
  const p = (school: string, role: string, name: string) => t.person(school, role, `${name}-${tag}@example.test`);
  const one = {
    admin: await p(s1.id, 'school-admin', 'admin1'),
    teacherA: await p(s1.id, 'teacher', 'teacher-a'),
    teacherB: await p(s1.id, 'teacher', 'teacher-b'),
    studentA1: await p(s1.id, 'student', 'student-a1'),
    studentA2: await p(s1.id, 'student', 'student-a2'),
    studentB1: await p(s1.id, 'student', 'student-b1'),
  };
  const two = { admin: await p(s2.id, 'school-admin', 'admin2'), teacher: await p(s2.id, 'teacher', 'teacher-2'), student: await p(s2.id, 'student', 'student-2') };
  await t.enroll(courseA.id, one.teacherA, 'teacher');
  await t.enroll(courseA.id, one.studentA1, 'student');
  await t.enroll(courseA.id, one.studentA2, 'student');
  await t.enroll(courseB.id, one.teacherB, 'teacher');
  await t.enroll(courseB.id, one.studentB1, 'student');
  await t.enroll(course2.id, two.teacher, 'teacher');
  await t.enroll(course2.id, two.student, 'student');
  return { builder: t, school1: { ...s1, courseA, courseB, ...one }, school2: { ...s2, course: course2, ...two } };
}
