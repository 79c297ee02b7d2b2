import { Injectable } from '@nestjs/common';
import { LabfleetConfig } from '@labfleet/config';
import { Role, SchoolCaps, TemplateCaps } from '@labfleet/contracts';
import { administersSchool, Caller, canSeeSchool, CapProblem, ForbiddenError, InvalidInputError, NotFoundError, schoolCapProblems, templatesOverSchoolCaps } from '@labfleet/domain';
import { AuditRepository, SchoolEntity, schoolCapsOf, SchoolRepository, TemplateEntity, TemplateRepository } from '@labfleet/persistence';

export interface SchoolCapsReport {
  readonly schoolId: string;
  readonly caps: SchoolCaps;
  readonly platform: TemplateCaps;
  /** Templates usable in the school (global, the school's, its courses') that ask for more: new labs of them are refused. */
  readonly exceeding: { template: TemplateEntity; problems: CapProblem[] }[];
}

/**
 * A school's caps on what one lab may ask for. Platform admins set them; the school's admins read
 * them. Lowering a cap below existing templates is allowed: the answer lists them, their new labs
 * are refused (`schoolCapRefusal`), running labs keep going.
 */
@Injectable()
export class SchoolCapsService {
  constructor(
    private readonly schools: SchoolRepository,
    private readonly templates: TemplateRepository,
    private readonly audit: AuditRepository,
    private readonly config: LabfleetConfig,
  ) {}

  async get(caller: Caller, schoolId: string): Promise<SchoolCapsReport> {
    const school = await this.school(caller, schoolId);
    if (!administersSchool(caller.principal, schoolId)) throw new ForbiddenError("only the school's admins read its caps");
    return this.report(school);
  }

  async update(caller: Caller, schoolId: string, asked: Partial<SchoolCaps>): Promise<SchoolCapsReport> {
    // A DTO holds every field, those left out as undefined.
    const change: Partial<SchoolCaps> = Object.fromEntries(Object.entries(asked).filter(([, v]) => v !== undefined));
    const before = await this.school(caller, schoolId);
    if (caller.principal.role !== Role.PlatformAdmin) throw new ForbiddenError('only platform admins set a school’s caps');
    const next = { ...schoolCapsOf(before), ...change };
    const problems = schoolCapProblems(next, this.config.templateCaps).filter((p) => p.field in change);
    if (problems.length) throw new InvalidInputError(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
    await this.schools.updateCaps(schoolId, change);
    const report = await this.report(await this.school(caller, schoolId));
    const changes = Object.fromEntries(Object.entries(change).map(([k, v]) => [k, { from: schoolCapsOf(before)[k as keyof SchoolCaps], to: v }]));
    await this.audit.log(caller, 'school.caps-changed', { type: 'school', id: schoolId, schoolId }, { ...changes, exceeding: report.exceeding.map((e) => e.template.name) });
    return report;
  }

  private async school(caller: Caller, id: string): Promise<SchoolEntity> {
    const school = canSeeSchool(caller.principal, id) ? await this.schools.findById(id) : null;
    if (!school) throw new NotFoundError('school', id);
    return school;
  }

  private async report(school: SchoolEntity): Promise<SchoolCapsReport> {
    const caps = schoolCapsOf(school);
    const usable = await this.templates.listVisible({ schoolId: school.id, wholeSchool: true, courseIds: [] }, false);
    return { schoolId: school.id, caps, platform: this.config.templateCaps, exceeding: templatesOverSchoolCaps(usable, caps) };
  }
}
