import { Role } from '@labfleet/contracts';
import { BOOTSTRAP_PRINCIPAL, Principal } from './principal';
import { canManageTemplate, canSeeTemplate, nameClashes, TemplateOwner, usableInCourse } from './template-scope';

const principal = (role: Role, over: Partial<Principal> = {}): Principal => ({
  userId: `${role}-1`,
  role,
  schoolId: 'school-a',
  label: role,
  teaching: [],
  enrolled: [],
  ...over,
});

const GLOBAL: TemplateOwner = { scope: 'global', schoolId: null, courseId: null };
const SCHOOL_A: TemplateOwner = { scope: 'school', schoolId: 'school-a', courseId: null };
const COURSE_A1: TemplateOwner = { scope: 'course', schoolId: 'school-a', courseId: 'a1' };
const COURSE_B1: TemplateOwner = { scope: 'course', schoolId: 'school-b', courseId: 'b1' };

const teacherA1 = principal(Role.Teacher, { teaching: ['a1'] });
const teacherA2 = principal(Role.Teacher, { teaching: ['a2'] });
const studentA1 = principal(Role.Student, { enrolled: ['a1'] });
const adminA = principal(Role.SchoolAdmin);
const adminB = principal(Role.SchoolAdmin, { schoolId: 'school-b' });
const teacherB1 = principal(Role.Teacher, { schoolId: 'school-b', teaching: ['b1'] });

describe('who sees a template', () => {
  it.each([
    ['the platform admin, every template', BOOTSTRAP_PRINCIPAL, [GLOBAL, SCHOOL_A, COURSE_A1, COURSE_B1], []],
    ["a course's teacher: global, its school's, its course's", teacherA1, [GLOBAL, SCHOOL_A, COURSE_A1], [COURSE_B1]],
    ["a teacher of another course of the school: not that course's", teacherA2, [GLOBAL, SCHOOL_A], [COURSE_A1, COURSE_B1]],
    ["a course's student: the ones the course may use", studentA1, [GLOBAL, SCHOOL_A, COURSE_A1], [COURSE_B1]],
    ["a school admin: every course's of the school", adminA, [GLOBAL, SCHOOL_A, COURSE_A1], [COURSE_B1]],
    ["another school's admin: none of school A's", adminB, [GLOBAL, COURSE_B1], [SCHOOL_A, COURSE_A1]],
    ["another school's teacher: none of school A's", teacherB1, [GLOBAL, COURSE_B1], [SCHOOL_A, COURSE_A1]],
  ])('%s', (_what, p, seen, unseen) => {
    for (const t of seen) expect(canSeeTemplate(p, t)).toBe(true);
    for (const t of unseen) expect(canSeeTemplate(p, t)).toBe(false);
  });
});

describe('who manages a template', () => {
  it.each([
    ['global: platform admins only', GLOBAL, [BOOTSTRAP_PRINCIPAL], [adminA, teacherA1, studentA1]],
    ["a school's: its admins and platform admins", SCHOOL_A, [BOOTSTRAP_PRINCIPAL, adminA], [adminB, teacherA1, studentA1]],
    ["a course's: its teachers, its school's admins, platform admins", COURSE_A1, [BOOTSTRAP_PRINCIPAL, adminA, teacherA1], [teacherA2, studentA1, adminB, teacherB1]],
  ])('%s', (_what, t, may, mayNot) => {
    for (const p of may) expect(canManageTemplate(p, t)).toBe(true);
    for (const p of mayNot) expect(canManageTemplate(p, t)).toBe(false);
  });
});

describe('which courses may use a template', () => {
  const a1 = { id: 'a1', schoolId: 'school-a' };
  const a2 = { id: 'a2', schoolId: 'school-a' };
  const b1 = { id: 'b1', schoolId: 'school-b' };
  it('global everywhere, a school one in its courses, a course one in its course', () => {
    expect([a1, a2, b1].map((c) => usableInCourse(GLOBAL, c))).toEqual([true, true, true]);
    expect([a1, a2, b1].map((c) => usableInCourse(SCHOOL_A, c))).toEqual([true, true, false]);
    expect([a1, a2, b1].map((c) => usableInCourse(COURSE_A1, c))).toEqual([true, false, false]);
  });
});

describe('template names', () => {
  it('clash within a school and with global names, never across schools', () => {
    expect(nameClashes({ schoolId: 'school-a' }, { schoolId: 'school-a' })).toBe(true);
    expect(nameClashes({ schoolId: 'school-a' }, { schoolId: null })).toBe(true);
    expect(nameClashes({ schoolId: null }, { schoolId: 'school-b' })).toBe(true);
    expect(nameClashes({ schoolId: 'school-a' }, { schoolId: 'school-b' })).toBe(false);
  });
});
