/**
 * What the fuzzer runs against: two schools made through the API, each with people of every role,
 * courses, members, API tokens, a grant and a ready lab; the callers (school A's people, the
 * platform admin, nobody); and what school B owns that no school-A caller may ever be shown.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { pack } from 'tar-stream';
import { LabStatus } from '@labfleet/contracts';
import { ApiClient, Person, TEST_ADMIN_TOKEN, TenantBuilder } from '@labfleet/testing';

export const ROLES = ['platform-admin', 'school-admin', 'teacher', 'student', 'anonymous'] as const;
export type Role = (typeof ROLES)[number];

/** The kinds of object a path parameter or an id field names. */
export type IdKind = 'school' | 'course' | 'user' | 'lab' | 'token' | 'slug' | 'template';

export interface Caller {
  readonly role: Role;
  readonly token: string | null;
  readonly userId: string | null;
  /** Whether school B's data must stay out of this caller's answers. */
  readonly outsideSchoolB: boolean;
}

export type IdPool = Readonly<Record<IdKind, readonly string[]>>;

export interface FuzzWorld {
  readonly baseUrl: string;
  readonly tag: string;
  readonly callers: Readonly<Record<Role, Caller>>;
  /** School A's objects (the callers' school), for valid ids of one's own. */
  readonly own: IdPool;
  /** School B's objects: valid ids of another school. */
  readonly other: IdPool;
  /**
   * The callers' accounts: read, never changed (a platform admin's PATCH made school A's student an
   * admin, and the roles the run claims to fuzz as were not the roles it had).
   */
  readonly callerIds: readonly string[];
  /** Emails of both schools' people, for email fields. */
  readonly emails: readonly string[];
  /** A school-B admin's access token: sent as a second Authorization header, after the caller's. */
  readonly otherToken: string;
  /** School B's ids, emails, names, a grant's reason, a lab file's text: no school-A answer holds them. */
  readonly secrets: readonly string[];
  /** A file on this machine (the lab engine's host) whose text no answer to anyone may hold. */
  readonly hostMarker: { readonly path: string; readonly text: string };
  /**
   * Tar archives whose entries climb out of where they are unpacked (`../`, absolute names, a
   * symlink to /tmp), for file uploads; none may write `${escapePrefix}*` on this machine.
   */
  readonly escapeArchives: readonly Buffer[];
  readonly escapePrefix: string;
}

/** A tar archive of `entries` (files, and symlinks when `link` is set), as a hostile client would write it. */
async function rawTar(entries: readonly { name: string; text?: string; link?: string }[]): Promise<Buffer> {
  const archive = pack();
  for (const e of entries) {
    if (e.link) archive.entry({ name: e.name, type: 'symlink', linkname: e.link });
    else archive.entry({ name: e.name, mode: 0o644 }, e.text ?? '');
  }
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const must = <T>(res: { status: number; body: T }, what: string, status = 201): T => {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};

async function apiToken(person: Person, name: string): Promise<string> {
  return must<{ id: string }>(await person.client.post('/api/v1/me/tokens', { name }), `token of ${person.email}`).id;
}

/** A ready lab of `student` in `courseId`, with `text` in /root/secret.txt. */
async function readyLab(student: Person, courseId: string, text: string): Promise<string> {
  const lab = must<{ id: string }>(await student.client.post('/api/v1/labs', { template: 'docker', course: courseId }), `lab of ${student.email}`, 202);
  await student.client.waitForLab(lab.id, [LabStatus.Ready], 180_000);
  await student.client.sh(lab.id, `printf %s '${text}' > /root/secret.txt`);
  return lab.id;
}

/** Makes both schools through the API of `baseUrl`, as the bootstrap admin and each school's people. */
export async function buildWorld(baseUrl: string): Promise<FuzzWorld> {
  const tag = randomBytes(4).toString('hex');
  const admin = new ApiClient(baseUrl, TEST_ADMIN_TOKEN);
  const t = new TenantBuilder(admin);
  const [a, b] = [await t.school(`fuzz-a-${tag}`), await t.school(`fuzz-b-${tag}`)];
  const [a1, a2] = [await t.course(a.id, `Course A1 ${tag}`, { labsPerStudent: 1 }), await t.course(a.id, `Course A2 ${tag}`)];
  const [b1, b2] = [await t.course(b.id, `Course B1 ${tag}`, { labsPerStudent: 1 }), await t.course(b.id, `Course B2 ${tag}`)];
  const person = (school: string, role: string, name: string) => t.person(school, role, `${name}-${tag}@example.test`);
  const all = async <T extends Record<string, Promise<Person>>>(people: T) => Object.fromEntries(await Promise.all(Object.entries(people).map(async ([k, p]) => [k, await p]))) as { [K in keyof T]: Person };
  const [A, B] = await Promise.all([
    all({
      admin: person(a.id, 'school-admin', 'a-admin'),
      teacher: person(a.id, 'teacher', 'a-teacher'),
      student: person(a.id, 'student', 'a-student'),
      targetTeacher: person(a.id, 'teacher', 'a-target-teacher'),
      targetStudent: person(a.id, 'student', 'a-target-student'),
    }),
    all({
      admin: person(b.id, 'school-admin', 'b-admin'),
      teacher: person(b.id, 'teacher', 'b-teacher'),
      student: person(b.id, 'student', 'b-student'),
      targetStudent: person(b.id, 'student', 'b-target-student'),
    }),
  ]);
  await Promise.all([
    t.enroll(a1.id, A.teacher, 'teacher'),
    t.enroll(a1.id, A.student, 'student'),
    t.enroll(a1.id, A.targetStudent, 'student'),
    t.enroll(a2.id, A.targetTeacher, 'teacher'),
    t.enroll(b1.id, B.teacher, 'teacher'),
    t.enroll(b1.id, B.student, 'student'),
    t.enroll(b2.id, B.targetStudent, 'student'),
  ]);
  const labFileText = `b-lab-secret-${tag}`;
  const labs = Promise.all([readyLab(A.student, a1.id, `a-lab-file-${tag}`), readyLab(B.student, b1.id, labFileText)]);
  // Awaited below; until then a failure must not be an unhandled rejection.
  labs.catch(() => undefined);
  const grantReason = `b-grant-reason-${tag}`;
  must(await B.teacher.client.post(`/api/v1/courses/${b1.id}/grants`, { userId: B.student.id, minutes: 30, reason: grantReason }), 'grant in school B');
  const tokensA = await Promise.all([A.admin, A.teacher, A.student].map((p) => apiToken(p, 'fuzz a')));
  const tokensB = await Promise.all([B.admin, B.student].map((p) => apiToken(p, 'fuzz b')));
  const [labA, labB] = await labs;

  const hostMarker = { path: `/tmp/labfleet-fuzz-${tag}.txt`, text: `labfleet-fuzz-host-marker-${tag}` };
  writeFileSync(hostMarker.path, hostMarker.text);
  const escapePrefix = `/tmp/labfleet-fuzz-${tag}-escaped`;
  const name = escapePrefix.slice(1);
  const escapeArchives = await Promise.all([
    rawTar([{ name: `${'../'.repeat(12)}${name}-dots`, text: 'escaped' }]),
    rawTar([{ name: `/${name}-absolute`, text: 'escaped' }]),
    rawTar([{ name: 'link', link: '/tmp' }, { name: `link/${name.replace('tmp/', '')}-symlink`, text: 'escaped' }]),
    rawTar([{ name: 'link', link: `${'../'.repeat(12)}tmp` }, { name: `link/${name.replace('tmp/', '')}-relative-symlink`, text: 'escaped' }]),
  ]);

  const peopleB = Object.values(B);
  const caller = (role: Role, p: Person | null, token: string | null = p?.session.accessToken ?? null): Caller => ({ role, token, userId: p?.id ?? null, outsideSchoolB: role !== 'platform-admin' });
  return {
    baseUrl,
    tag,
    callers: {
      'platform-admin': caller('platform-admin', null, TEST_ADMIN_TOKEN),
      'school-admin': caller('school-admin', A.admin),
      teacher: caller('teacher', A.teacher),
      student: caller('student', A.student),
      anonymous: caller('anonymous', null),
    },
    own: {
      school: [a.id],
      course: [a1.id, a2.id],
      user: [A.targetTeacher.id, A.targetStudent.id, A.admin.id, A.teacher.id, A.student.id],
      lab: [labA],
      token: tokensA,
      slug: [a.slug],
      template: ['docker', 'swarm-3'],
    },
    other: {
      school: [b.id],
      course: [b1.id, b2.id],
      user: peopleB.map((p) => p.id),
      lab: [labB],
      token: tokensB,
      slug: [b.slug],
      template: ['kubernetes'],
    },
    callerIds: [A.admin.id, A.teacher.id, A.student.id],
    emails: [...Object.values(A), ...peopleB].map((p) => p.email),
    otherToken: B.admin.session.accessToken,
    secrets: [
      b.id,
      b.slug,
      `School ${b.slug}`,
      b1.id,
      b2.id,
      `Course B1 ${tag}`,
      `Course B2 ${tag}`,
      labB,
      ...tokensB,
      ...peopleB.flatMap((p) => [p.id, p.email, p.email.split('@')[0]]),
      grantReason,
      labFileText,
    ],
    hostMarker,
    escapeArchives,
    escapePrefix,
  };
}
