import { Role } from '@labfleet/contracts';
import { Principal } from './principal';

/** Where a lab or course sits: enough to decide who may see it. */
export interface Tenancy {
  readonly schoolId: string | null;
  readonly courseId: string | null;
  readonly ownerId: string | null;
}

/**
 * The labs a principal may see, as alternatives (any one matching grants access). An empty scope
 * (`all`) is the platform admin's. Repositories turn this into a WHERE clause; `canSeeLab` is the
 * same rule for one lab, so lists and single reads never disagree.
 */
export interface LabScope {
  readonly all?: true;
  readonly schoolId?: string;
  readonly courseIds?: readonly string[];
  readonly ownerId?: string;
}

export function labScopeOf(p: Principal): LabScope {
  switch (p.role) {
    case Role.PlatformAdmin:
      return { all: true };
    case Role.SchoolAdmin:
      return { schoolId: p.schoolId ?? undefined, ownerId: p.userId ?? undefined };
    case Role.Teacher:
      return { courseIds: p.teaching, ownerId: p.userId ?? undefined };
    case Role.Student:
      return { ownerId: p.userId ?? undefined };
  }
}

export function inLabScope(scope: LabScope, lab: Tenancy): boolean {
  if (scope.all) return true;
  if (scope.schoolId && lab.schoolId === scope.schoolId) return true;
  if (scope.courseIds && lab.courseId && scope.courseIds.includes(lab.courseId)) return true;
  return !!scope.ownerId && lab.ownerId === scope.ownerId;
}

export const canSeeLab = (p: Principal, lab: Tenancy): boolean => inLabScope(labScopeOf(p), lab);

/** Acting on a lab for someone else (a teacher stopping a student's lab) is audited. */
export const actsForSomeoneElse = (p: Principal, lab: Tenancy): boolean => p.userId === null || lab.ownerId !== p.userId;

/** Same-school admins and platform admins manage a school's courses and people. */
export const administersSchool = (p: Principal, schoolId: string): boolean =>
  p.role === Role.PlatformAdmin || (p.role === Role.SchoolAdmin && p.schoolId === schoolId);

export interface CourseRef {
  readonly id: string;
  readonly schoolId: string;
}

export const canSeeCourse = (p: Principal, c: CourseRef): boolean =>
  administersSchool(p, c.schoolId) || p.teaching.includes(c.id) || p.enrolled.includes(c.id);

/** Teachers of the course, and its school's admins: members, quotas, roster, usage. */
export const canManageCourse = (p: Principal, c: CourseRef): boolean => administersSchool(p, c.schoolId) || p.teaching.includes(c.id);

/** Who may start a lab in a course: its teachers and students, and the admins over it. */
export const canUseCourse = canSeeCourse;

export const canSeeSchool = (p: Principal, schoolId: string): boolean => p.role === Role.PlatformAdmin || p.schoolId === schoolId;

/** Accounts: oneself, and the admins of one's school. */
export const canSeeUser = (p: Principal, user: { id: string; schoolId: string | null }): boolean =>
  p.userId === user.id || p.role === Role.PlatformAdmin || (user.schoolId !== null && administersSchool(p, user.schoolId));
