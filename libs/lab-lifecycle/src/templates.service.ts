import { Inject, Injectable } from '@nestjs/common';
import { LabfleetConfig } from '@labfleet/config';
import { Role, SchoolCaps } from '@labfleet/contracts';
import {
  Caller,
  canManageTemplate,
  canSeeCourse,
  canSeeSchool,
  canSeeTemplate,
  ConflictError,
  ForbiddenError,
  InvalidInputError,
  LAB_PROVIDER,
  LabProvider,
  labNodeNames,
  NotFoundError,
  setupProblems,
  templateBoundProblems,
  TemplateOwner,
  TemplateScope,
  templateVisibilityOf,
} from '@labfleet/domain';
import { AuditRepository, CourseRepository, definitionOf, schoolCapsOf, SchoolRepository, TemplateDefinition, TemplateEntity, TemplateRepository } from '@labfleet/persistence';
import { JobName, LabJobsService } from '@labfleet/queue';

export interface NewTemplateRequest extends TemplateDefinition {
  readonly name: string;
  readonly scope: TemplateScope;
  /** Course templates: the course. */
  readonly courseId?: string;
  /** School templates made by a platform admin: the school (others: their own). */
  readonly schoolId?: string;
}

/**
 * Templates made through the API: who may see and change which (`canSeeTemplate`,
 * `canManageTemplate`), what they may ask for (`templateBoundProblems`: the platform's caps, the
 * school's, the course's), and whether their images can be served, read through the provider. Filling the mirror is the worker's job.
 */
@Injectable()
export class TemplatesService {
  constructor(
    private readonly templates: TemplateRepository,
    private readonly courses: CourseRepository,
    private readonly schools: SchoolRepository,
    private readonly audit: AuditRepository,
    private readonly jobs: LabJobsService,
    private readonly config: LabfleetConfig,
    @Inject(LAB_PROVIDER) private readonly provider: LabProvider,
  ) {}

  list(caller: Caller, includeRetired: boolean): Promise<TemplateEntity[]> {
    return this.templates.listVisible(templateVisibilityOf(caller.principal), includeRetired);
  }

  async get(caller: Caller, id: string): Promise<TemplateEntity> {
    const template = await this.templates.findById(id);
    if (!template || !canSeeTemplate(caller.principal, template)) throw new NotFoundError('template', id);
    return template;
  }

  async create(caller: Caller, request: NewTemplateRequest): Promise<TemplateEntity> {
    const owner = await this.ownerFor(caller, request);
    if (!canManageTemplate(caller.principal, owner)) throw new ForbiddenError(`you may not make ${request.scope} templates here`);
    const definition = definitionOf(request);
    await this.check(caller, definition, owner, definition.image !== null);
    await this.jobs.ping();
    const saved = await this.templates.insertScoped({ ...definition, name: request.name, ...owner });
    if (!saved) throw new ConflictError(`a template named '${request.name}' exists already where this one would be seen (names are unique within a school and among global templates)`);
    await this.audit.log(caller, 'template.created', this.target(saved), { name: saved.name, scope: saved.scope, courseId: saved.courseId, version: saved.version, images: saved.images });
    await this.afterSave(saved);
    return saved;
  }

  async update(caller: Caller, id: string, change: Partial<TemplateDefinition>): Promise<TemplateEntity> {
    const current = await this.managed(caller, id);
    await this.check(caller, { ...definitionOf(current), ...change }, current, change.image !== undefined && change.image !== current.image);
    await this.jobs.ping();
    const saved = await this.templates.update(id, change);
    if (!saved) throw new NotFoundError('template', id);
    await this.audit.log(caller, 'template.changed', this.target(saved), { name: saved.name, version: saved.version, fields: Object.keys(change) });
    await this.afterSave(saved);
    // Idle pool labs of the old version are no use now: the refill replaces them.
    await this.jobs.platform(JobName.RefillPools);
    return saved;
  }

  /** No new labs of it from now on; labs running keep running. Idempotent. */
  async retire(caller: Caller, id: string): Promise<TemplateEntity> {
    const current = await this.managed(caller, id);
    if (current.retiredAt) return current;
    await this.jobs.ping();
    const saved = await this.templates.retire(id);
    if (!saved) throw new NotFoundError('template', id);
    await this.audit.log(caller, 'template.retired', this.target(saved), { name: saved.name, version: saved.version });
    await this.jobs.platform(JobName.RefillPools);
    return saved;
  }

  private async managed(caller: Caller, id: string): Promise<TemplateEntity> {
    const template = await this.get(caller, id);
    if (!canManageTemplate(caller.principal, template)) throw new ForbiddenError(`you may not change template '${template.name}'`);
    return template;
  }

  /** Where a new template belongs; a course the caller has no part in does not exist for them. */
  private async ownerFor(caller: Caller, request: NewTemplateRequest): Promise<TemplateOwner> {
    const { principal } = caller;
    switch (request.scope) {
      case 'global':
        return { scope: 'global', schoolId: null, courseId: null };
      case 'school': {
        const schoolId = request.schoolId ?? principal.schoolId;
        if (!schoolId) throw new InvalidInputError('schoolId is required for a school template made by a platform admin');
        if (!canSeeSchool(principal, schoolId) || !(await this.schools.findById(schoolId))) throw new NotFoundError('school', schoolId);
        return { scope: 'school', schoolId, courseId: null };
      }
      case 'course': {
        if (!request.courseId) throw new InvalidInputError('courseId is required for a course template');
        const course = await this.courses.findById(request.courseId);
        if (!course || !canSeeCourse(principal, course)) throw new NotFoundError('course', request.courseId);
        return { scope: 'course', schoolId: course.schoolId, courseId: course.id };
      }
    }
  }

  /** 400 naming each field that asks for too much, each set-up step that is wrong, each image labs could not get. */
  private async check(caller: Caller, t: TemplateDefinition, owner: TemplateOwner, imageChosen: boolean): Promise<void> {
    const problems: string[] = [];
    if (imageChosen && caller.principal.role !== Role.PlatformAdmin) problems.push('image: only platform admins choose the lab image of a template');
    const course = owner.courseId ? await this.courses.findById(owner.courseId) : null;
    const school = owner.schoolId ? await this.schoolCaps(owner.schoolId) : null;
    problems.push(...templateBoundProblems(t, this.config.templateCaps, { course, school }).map((p) => `${p.field}: ${p.message}`));
    problems.push(...setupProblems(t.setup, labNodeNames(t.nodes)));
    if (problems.length === 0 && t.images.length > 0 && this.provider.imageProblems) {
      problems.push(...(await this.provider.imageProblems(t.images)).map((p) => `images: ${p}`));
    }
    if (problems.length) throw new InvalidInputError(problems.join('; '));
  }

  private async schoolCaps(schoolId: string): Promise<SchoolCaps | null> {
    const school = await this.schools.findById(schoolId);
    return school && schoolCapsOf(school);
  }

  private async afterSave(t: TemplateEntity): Promise<void> {
    if (t.images.length) await this.jobs.prepareTemplateImages(t.id, t.version);
  }

  private target(t: TemplateEntity) {
    return { type: 'template' as const, id: t.id, schoolId: t.schoolId };
  }
}
