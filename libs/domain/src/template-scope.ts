import { Role } from '@labfleet/contracts';
import { administersSchool, canManageCourse } from './access-policy';
import { Principal } from './principal';

/**
 * Who owns a template: the platform (`global`, every school sees it), one school (its courses
 * may use it), or one course of a school.
 */
export type TemplateScope = 'global' | 'school' | 'course';

export const TEMPLATE_SCOPES: readonly TemplateScope[] = ['global', 'school', 'course'];

export interface TemplateOwner {
  readonly scope: TemplateScope;
  /** Null for global templates; the course's school for course templates. */
  readonly schoolId: string | null;
  /** Set for course templates only. */
  readonly courseId: string | null;
}

/**
 * The templates a principal may see, as alternatives: global ones always; their school's school
 * templates; the course templates of their courses, or of their whole school for its admins.
 * Repositories turn this into a WHERE clause; `canSeeTemplate` is the same rule for one template.
 */
export interface TemplateVisibility {
  readonly all?: true;
  readonly schoolId?: string;
  /** School admins see every course template of `schoolId`. */
  readonly wholeSchool?: boolean;
  readonly courseIds: readonly string[];
}

export function templateVisibilityOf(p: Principal): TemplateVisibility {
  if (p.role === Role.PlatformAdmin) return { all: true, courseIds: [] };
  return { schoolId: p.schoolId ?? undefined, wholeSchool: p.role === Role.SchoolAdmin, courseIds: [...new Set([...p.teaching, ...p.enrolled])] };
}

export function inTemplateVisibility(v: TemplateVisibility, t: TemplateOwner): boolean {
  if (v.all || t.scope === 'global') return true;
  const ownSchool = !!v.schoolId && t.schoolId === v.schoolId;
  if (t.scope === 'school') return ownSchool;
  return (ownSchool && !!v.wholeSchool) || (!!t.courseId && v.courseIds.includes(t.courseId));
}

/** Other schools' templates do not exist for a principal (404), nor courses' they have no part in. */
export const canSeeTemplate = (p: Principal, t: TemplateOwner): boolean => inTemplateVisibility(templateVisibilityOf(p), t);

/** Platform admins manage global templates; a school's admins its school's; a course's teachers and its school's admins the course's. */
export function canManageTemplate(p: Principal, t: TemplateOwner): boolean {
  switch (t.scope) {
    case 'global':
      return p.role === Role.PlatformAdmin;
    case 'school':
      return !!t.schoolId && administersSchool(p, t.schoolId);
    case 'course':
      return !!t.schoolId && !!t.courseId && canManageCourse(p, { id: t.courseId, schoolId: t.schoolId });
  }
}

/** Whether a lab of the course (of the school) may be made of the template, retirement aside. */
export const usableInCourse = (t: TemplateOwner, course: { id: string; schoolId: string }): boolean =>
  t.scope === 'global' || (t.scope === 'school' && t.schoolId === course.schoolId) || (t.scope === 'course' && t.courseId === course.id);

/**
 * Names are unique in a namespace: one for global templates and, for each school, one shared by
 * its school and course templates. A global name is taken in every school, so a name resolves to
 * one template wherever a lab is asked for; two schools may each have their own `wordpress`.
 */
export const nameClashes = (candidate: Pick<TemplateOwner, 'schoolId'>, existing: Pick<TemplateOwner, 'schoolId'>): boolean =>
  candidate.schoolId === null || existing.schoolId === null || candidate.schoolId === existing.schoolId;
