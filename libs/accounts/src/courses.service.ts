import { Injectable } from '@nestjs/common';
import { LabfleetConfig } from '@labfleet/config';
import { CourseRole, Role } from '@labfleet/contracts';
import { administersSchool, Caller, canManageCourse, canSeeCourse, canSeeSchool, ConflictError, CoursePolicy, ForbiddenError, InvalidInputError, NotFoundError, weekOf } from '@labfleet/domain';
import { AuditRepository, CourseEntity, CourseRepository, MembershipEntity, MinuteGrantEntity, RosterOutcome, SchoolRepository, UserRepository } from '@labfleet/persistence';
import { parseRoster } from './roster.parser';

/** Courses, who is in them, and the limits their teachers set. */
@Injectable()
export class CoursesService {
  constructor(
    private readonly courses: CourseRepository,
    private readonly schools: SchoolRepository,
    private readonly users: UserRepository,
    private readonly audit: AuditRepository,
    private readonly config: LabfleetConfig,
  ) {}

  async create(caller: Caller, schoolId: string, name: string, policy: Partial<CoursePolicy>): Promise<CourseEntity> {
    if (!canSeeSchool(caller.principal, schoolId) || !(await this.schools.findById(schoolId))) throw new NotFoundError('school', schoolId);
    if (!administersSchool(caller.principal, schoolId)) throw new ForbiddenError('only school admins create courses');
    this.checkIdleLimit(policy);
    const course = await this.courses.create(schoolId, name, policy);
    if (!course) throw new ConflictError(`the school already has a course named '${name}'`);
    await this.audit.log(caller, 'course.created', { type: 'course', id: course.id, schoolId }, { name, ...policy });
    return course;
  }

  list(caller: Caller, schoolId?: string): Promise<CourseEntity[]> {
    const p = caller.principal;
    if (p.role === Role.PlatformAdmin) return this.courses.list({ schoolId });
    if (p.role === Role.SchoolAdmin && p.schoolId) return this.courses.list({ schoolId: p.schoolId });
    return this.courses.list({ ids: [...p.teaching, ...p.enrolled] });
  }

  async get(caller: Caller, id: string): Promise<CourseEntity> {
    const course = await this.courses.findById(id);
    if (!course || !canSeeCourse(caller.principal, course)) throw new NotFoundError('course', id);
    return course;
  }

  /** The course, if the caller may manage it: 404 when they cannot see it, 403 when they only take it. */
  async managed(caller: Caller, id: string): Promise<CourseEntity> {
    const course = await this.get(caller, id);
    if (!canManageCourse(caller.principal, course)) throw new ForbiddenError('only the course\'s teachers and school admins may do this');
    return course;
  }

  /**
   * Deletes the course (school admins of its school, platform admins): 409 while one of its labs
   * has not ended. What the backends hold for it (the course registry's images) goes after.
   */
  async remove(caller: Caller, id: string): Promise<void> {
    const course = await this.get(caller, id);
    if (!administersSchool(caller.principal, course.schoolId)) throw new ForbiddenError('only school admins delete courses');
    const outcome = await this.courses.remove(id);
    if (outcome === 'missing') throw new NotFoundError('course', id);
    if (outcome === 'busy') throw new ConflictError('the course still has labs running; stop them first');
    await this.audit.log(caller, 'course.deleted', { type: 'course', id, schoolId: course.schoolId }, { name: course.name });
  }

  async updatePolicy(caller: Caller, id: string, policy: Partial<CoursePolicy>): Promise<CourseEntity> {
    const before = await this.managed(caller, id);
    this.checkIdleLimit(policy);
    await this.courses.updatePolicy(id, policy);
    const changes = Object.fromEntries(Object.entries(policy).map(([k, v]) => [k, { from: before[k as keyof CoursePolicy], to: v }]));
    await this.audit.log(caller, 'course.policy-changed', { type: 'course', id, schoolId: before.schoolId }, changes);
    return this.managed(caller, id);
  }

  /** Idle limits have an installation-wide floor (`IDLE_LIMIT_MIN_SECONDS`), below which a student thinking would lose the lab. */
  private checkIdleLimit(policy: Partial<CoursePolicy>): void {
    const limit = policy.idleLimitSeconds;
    const min = this.config.idle.minLimitSeconds;
    if (limit !== undefined && limit !== null && limit < min) throw new InvalidInputError(`idleLimitSeconds must be at least ${min} (IDLE_LIMIT_MIN_SECONDS), or null for no idle limit`);
  }

  async members(caller: Caller, id: string): Promise<MembershipEntity[]> {
    await this.managed(caller, id);
    return this.courses.members(id);
  }

  async addMember(caller: Caller, id: string, userId: string, role: CourseRole): Promise<MembershipEntity> {
    const course = await this.managed(caller, id);
    if (role === CourseRole.Teacher && !administersSchool(caller.principal, course.schoolId)) throw new ForbiddenError('only school admins add teachers');
    const user = await this.users.findById(userId);
    if (!user || user.schoolId !== course.schoolId) throw new NotFoundError('user in this school', userId);
    if (role === CourseRole.Teacher && user.role === Role.Student) throw new InvalidInputError('a student account cannot teach a course; change its role first');
    await this.courses.addMember(id, userId, role);
    await this.audit.log(caller, 'course.member-added', { type: 'course', id, schoolId: course.schoolId }, { userId, email: user.email, role });
    return (await this.courses.membership(id, userId))!;
  }

  async removeMember(caller: Caller, id: string, userId: string): Promise<void> {
    const course = await this.managed(caller, id);
    const membership = await this.courses.membership(id, userId);
    if (membership?.role === CourseRole.Teacher && !administersSchool(caller.principal, course.schoolId)) throw new ForbiddenError('only school admins remove teachers');
    if (!membership || !(await this.courses.removeMember(id, userId))) throw new NotFoundError('member of this course', userId);
    await this.audit.log(caller, 'course.member-removed', { type: 'course', id, schoolId: course.schoolId }, { userId });
  }

  /** Imports an `email,name` CSV: a broken file imports nothing; bad lines are reported, the rest imported. */
  async importRoster(caller: Caller, id: string, csv: string): Promise<RosterOutcome[]> {
    const course = await this.managed(caller, id);
    const parsed = parseRoster(csv);
    if (parsed.fileErrors.length) throw new InvalidInputError(`roster not imported: ${parsed.fileErrors.join('; ')}`);
    const imported = await this.courses.importRoster(course, parsed.rows);
    const outcomes = [...imported, ...parsed.rejected.map((r) => ({ ...r, outcome: 'rejected' as const }))].sort((a, b) => a.line - b.line);
    const count = (o: RosterOutcome['outcome']) => outcomes.filter((x) => x.outcome === o).length;
    await this.audit.log(caller, 'course.roster-imported', { type: 'course', id, schoolId: course.schoolId }, { created: count('created'), existing: count('existing'), rejected: count('rejected') });
    return outcomes;
  }

  /** Extra lab-minutes for one student, this week. */
  async grantMinutes(caller: Caller, id: string, userId: string, minutes: number, reason: string): Promise<MinuteGrantEntity> {
    const course = await this.managed(caller, id);
    if (!(await this.courses.membership(id, userId))) throw new NotFoundError('member of this course', userId);
    const grant = await this.courses.addGrant({ courseId: id, userId, minutes, weekStart: weekOf(new Date()).start, grantedBy: caller.principal.label, reason });
    await this.audit.log(caller, 'course.minutes-granted', { type: 'course', id, schoolId: course.schoolId }, { userId, minutes, reason });
    return grant;
  }
}
