import { Role } from '@labfleet/contracts';
import {
  actsForSomeoneElse,
  administersSchool,
  canManageCourse,
  canSeeCourse,
  canSeeLab,
  canSeeSchool,
  canSeeUser,
  canUseCourse,
  inLabScope,
  labScopeOf,
  Tenancy,
} from './access-policy';
import { BOOTSTRAP_PRINCIPAL, Principal } from './principal';

const SCHOOL_A = 'school-a';
const SCHOOL_B = 'school-b';
const COURSE_A1 = 'course-a1';
const COURSE_A2 = 'course-a2';
const COURSE_B1 = 'course-b1';

const principal = (role: Role, over: Partial<Principal> = {}): Principal => ({
  userId: `${role}-1`,
  role,
  schoolId: role === Role.PlatformAdmin ? null : SCHOOL_A,
  label: `${role}@example.org`,
  teaching: [],
  enrolled: [],
  ...over,
});

const platformAdmin = principal(Role.PlatformAdmin);
const schoolAdmin = principal(Role.SchoolAdmin);
const teacher = principal(Role.Teacher, { teaching: [COURSE_A1] });
const student = principal(Role.Student, { userId: 'alice', enrolled: [COURSE_A1] });
const classmate = principal(Role.Student, { userId: 'bob', enrolled: [COURSE_A1] });

const lab = (schoolId: string | null, courseId: string | null, ownerId: string | null): Tenancy => ({ schoolId, courseId, ownerId });

// A small world: labs in two schools, three courses, several owners, and an unclaimed pool lab.
const labs = {
  aliceA1: lab(SCHOOL_A, COURSE_A1, 'alice'),
  bobA1: lab(SCHOOL_A, COURSE_A1, 'bob'),
  carolA2: lab(SCHOOL_A, COURSE_A2, 'carol'),
  teacherOwnA2: lab(SCHOOL_A, COURSE_A2, 'teacher-1'),
  daveB1: lab(SCHOOL_B, COURSE_B1, 'dave'),
  schoolAdminOwnB1: lab(SCHOOL_B, COURSE_B1, 'school-admin-1'),
  pool: lab(null, null, null),
};
type LabName = keyof typeof labs;
const visibleTo = (p: Principal): LabName[] => (Object.keys(labs) as LabName[]).filter((name) => canSeeLab(p, labs[name]));

describe('labScopeOf', () => {
  it('gives the platform admin everything', () => {
    expect(labScopeOf(platformAdmin)).toEqual({ all: true });
    expect(labScopeOf(BOOTSTRAP_PRINCIPAL)).toEqual({ all: true });
  });

  it('gives a school admin their school and their own labs', () => {
    expect(labScopeOf(schoolAdmin)).toEqual({ schoolId: SCHOOL_A, ownerId: 'school-admin-1' });
  });

  it('gives a teacher the courses they teach and their own labs', () => {
    expect(labScopeOf(principal(Role.Teacher, { teaching: [COURSE_A1, COURSE_A2] }))).toEqual({ courseIds: [COURSE_A1, COURSE_A2], ownerId: 'teacher-1' });
  });

  it('gives a student only their own labs, whatever they are enrolled in', () => {
    expect(labScopeOf(student)).toEqual({ ownerId: 'alice' });
  });

  it('gives a student without an account no owner at all', () => {
    const scope = labScopeOf(principal(Role.Student, { userId: null, enrolled: [COURSE_A1] }));
    expect(scope).toEqual({});
    expect(scope.ownerId).toBeUndefined();
  });
});

describe('inLabScope', () => {
  it('matches any one alternative', () => {
    const scope = { schoolId: SCHOOL_B, courseIds: [COURSE_A2], ownerId: 'alice' };
    expect(inLabScope(scope, labs.daveB1)).toBe(true); // by school
    expect(inLabScope(scope, labs.carolA2)).toBe(true); // by course
    expect(inLabScope(scope, labs.aliceA1)).toBe(true); // by owner
    expect(inLabScope(scope, labs.bobA1)).toBe(false);
  });

  it('an empty scope sees nothing, not even labs without an owner', () => {
    expect(inLabScope({}, labs.pool)).toBe(false);
    expect(inLabScope({}, labs.aliceA1)).toBe(false);
  });

  it('an empty course list matches no lab, not even one without a course', () => {
    expect(inLabScope({ courseIds: [] }, labs.pool)).toBe(false);
    expect(inLabScope({ courseIds: [] }, labs.aliceA1)).toBe(false);
  });

  it('all sees the unclaimed pool lab too', () => {
    expect(inLabScope({ all: true }, labs.pool)).toBe(true);
  });
});

describe('canSeeLab', () => {
  it('platform admin sees every lab', () => {
    expect(visibleTo(platformAdmin)).toEqual(['aliceA1', 'bobA1', 'carolA2', 'teacherOwnA2', 'daveB1', 'schoolAdminOwnB1', 'pool']);
    expect(visibleTo(BOOTSTRAP_PRINCIPAL)).toEqual(visibleTo(platformAdmin));
  });

  it('school admin sees the labs of their school (and their own), not another school', () => {
    expect(visibleTo(schoolAdmin)).toEqual(['aliceA1', 'bobA1', 'carolA2', 'teacherOwnA2', 'schoolAdminOwnB1']);
    expect(canSeeLab(schoolAdmin, labs.daveB1)).toBe(false);
    expect(canSeeLab(principal(Role.SchoolAdmin, { schoolId: SCHOOL_B }), labs.aliceA1)).toBe(false);
  });

  it('teacher sees the labs of the courses they teach plus their own', () => {
    expect(visibleTo(teacher)).toEqual(['aliceA1', 'bobA1', 'teacherOwnA2']);
    expect(canSeeLab(teacher, labs.carolA2)).toBe(false);
  });

  it('teacher who teaches nothing sees only their own labs', () => {
    expect(visibleTo(principal(Role.Teacher))).toEqual(['teacherOwnA2']);
  });

  it('student sees only their own lab', () => {
    expect(visibleTo(student)).toEqual(['aliceA1']);
  });

  it('a student of the same course does not see a classmate’s lab', () => {
    expect(canSeeLab(classmate, labs.aliceA1)).toBe(false);
    expect(canSeeLab(student, labs.bobA1)).toBe(false);
    expect(visibleTo(classmate)).toEqual(['bobA1']);
  });

  it('a student principal with userId null sees nothing, not even ownerless labs', () => {
    expect(visibleTo(principal(Role.Student, { userId: null, enrolled: [COURSE_A1] }))).toEqual([]);
  });
});

describe('canSeeCourse / canManageCourse', () => {
  const a1 = { id: COURSE_A1, schoolId: SCHOOL_A };
  const a2 = { id: COURSE_A2, schoolId: SCHOOL_A };
  const b1 = { id: COURSE_B1, schoolId: SCHOOL_B };

  it('platform admin sees and manages every course', () => {
    for (const c of [a1, a2, b1]) {
      expect(canSeeCourse(platformAdmin, c)).toBe(true);
      expect(canManageCourse(platformAdmin, c)).toBe(true);
    }
  });

  it('school admin sees and manages the courses of their school', () => {
    expect(canSeeCourse(schoolAdmin, a2)).toBe(true);
    expect(canManageCourse(schoolAdmin, a2)).toBe(true);
  });

  it('school admin of another school neither sees nor manages', () => {
    expect(canSeeCourse(schoolAdmin, b1)).toBe(false);
    expect(canManageCourse(schoolAdmin, b1)).toBe(false);
  });

  it('teacher sees and manages the course they teach', () => {
    expect(canSeeCourse(teacher, a1)).toBe(true);
    expect(canManageCourse(teacher, a1)).toBe(true);
  });

  it('teacher of another course neither sees nor manages', () => {
    expect(canSeeCourse(teacher, a2)).toBe(false);
    expect(canManageCourse(teacher, a2)).toBe(false);
  });

  it('enrolled student sees (and may use) the course but does not manage it', () => {
    expect(canSeeCourse(student, a1)).toBe(true);
    expect(canUseCourse(student, a1)).toBe(true);
    expect(canManageCourse(student, a1)).toBe(false);
  });

  it('student not enrolled neither sees nor manages, even in their own school', () => {
    expect(canSeeCourse(student, a2)).toBe(false);
    expect(canManageCourse(student, a2)).toBe(false);
  });

  it('a teacher enrolled as a student in a course sees it but does not manage it', () => {
    const t = principal(Role.Teacher, { teaching: [COURSE_A1], enrolled: [COURSE_A2] });
    expect(canSeeCourse(t, a2)).toBe(true);
    expect(canManageCourse(t, a2)).toBe(false);
  });
});

describe('canSeeSchool', () => {
  it('platform admin sees every school', () => {
    expect(canSeeSchool(platformAdmin, SCHOOL_A)).toBe(true);
    expect(canSeeSchool(BOOTSTRAP_PRINCIPAL, SCHOOL_B)).toBe(true);
  });

  it.each([Role.SchoolAdmin, Role.Teacher, Role.Student])('%s sees their own school only', (role) => {
    const p = principal(role);
    expect(canSeeSchool(p, SCHOOL_A)).toBe(true);
    expect(canSeeSchool(p, SCHOOL_B)).toBe(false);
  });
});

describe('canSeeUser', () => {
  const aliceAccount = { id: 'alice', schoolId: SCHOOL_A };
  const daveAccount = { id: 'dave', schoolId: SCHOOL_B };
  const otherPlatformAdmin = { id: 'root-2', schoolId: null };

  it('everyone sees themselves', () => {
    expect(canSeeUser(student, aliceAccount)).toBe(true);
    expect(canSeeUser(platformAdmin, { id: 'platform-admin-1', schoolId: null })).toBe(true);
  });

  it('platform admin sees every account, including school-less ones', () => {
    expect(canSeeUser(platformAdmin, daveAccount)).toBe(true);
    expect(canSeeUser(platformAdmin, otherPlatformAdmin)).toBe(true);
    expect(canSeeUser(BOOTSTRAP_PRINCIPAL, aliceAccount)).toBe(true);
  });

  it('school admin sees the accounts of their school only', () => {
    expect(canSeeUser(schoolAdmin, aliceAccount)).toBe(true);
    expect(canSeeUser(schoolAdmin, daveAccount)).toBe(false);
    expect(canSeeUser(schoolAdmin, otherPlatformAdmin)).toBe(false);
  });

  it('teachers and students do not see other accounts, even of their course', () => {
    expect(canSeeUser(teacher, aliceAccount)).toBe(false);
    expect(canSeeUser(classmate, aliceAccount)).toBe(false);
  });
});

describe('administersSchool', () => {
  it('platform admin administers every school', () => {
    expect(administersSchool(platformAdmin, SCHOOL_A)).toBe(true);
    expect(administersSchool(BOOTSTRAP_PRINCIPAL, SCHOOL_B)).toBe(true);
  });

  it('school admin administers their own school only', () => {
    expect(administersSchool(schoolAdmin, SCHOOL_A)).toBe(true);
    expect(administersSchool(schoolAdmin, SCHOOL_B)).toBe(false);
  });

  it('teachers and students administer nothing, not even their own school', () => {
    expect(administersSchool(teacher, SCHOOL_A)).toBe(false);
    expect(administersSchool(student, SCHOOL_A)).toBe(false);
  });
});

describe('actsForSomeoneElse', () => {
  it('is false on one’s own lab', () => {
    expect(actsForSomeoneElse(student, labs.aliceA1)).toBe(false);
    expect(actsForSomeoneElse(teacher, labs.teacherOwnA2)).toBe(false);
  });

  it('is true on someone else’s lab', () => {
    expect(actsForSomeoneElse(teacher, labs.aliceA1)).toBe(true);
    expect(actsForSomeoneElse(platformAdmin, labs.daveB1)).toBe(true);
  });

  it('is true on an unowned lab for an account', () => {
    expect(actsForSomeoneElse(platformAdmin, labs.pool)).toBe(true);
  });

  it('is always true for the bootstrap admin token, even on an unowned lab', () => {
    expect(actsForSomeoneElse(BOOTSTRAP_PRINCIPAL, labs.pool)).toBe(true);
    expect(actsForSomeoneElse(BOOTSTRAP_PRINCIPAL, labs.aliceA1)).toBe(true);
  });
});
