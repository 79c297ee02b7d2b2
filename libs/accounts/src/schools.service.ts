import { Injectable } from '@nestjs/common';
import { Role } from '@labfleet/contracts';
import { administersSchool, Caller, canSeeSchool, ConflictError, ForbiddenError, NotFoundError } from '@labfleet/domain';
import { AuditRepository, SchoolEntity, SchoolFields, SchoolRepository } from '@labfleet/persistence';

const redacted = (fields: Partial<SchoolFields>) => ({ ...fields, ...(fields.oidcClientSecret ? { oidcClientSecret: '***' } : {}) });

/** Schools (tenants): platform admins create them; school admins keep their own settings. */
@Injectable()
export class SchoolsService {
  constructor(
    private readonly schools: SchoolRepository,
    private readonly audit: AuditRepository,
  ) {}

  async create(caller: Caller, fields: SchoolFields): Promise<SchoolEntity> {
    if (caller.principal.role !== Role.PlatformAdmin) throw new ForbiddenError('only platform admins create schools');
    const school = await this.schools.create(fields);
    if (!school) throw new ConflictError(`a school with slug '${fields.slug}' already exists`);
    await this.audit.log(caller, 'school.created', { type: 'school', id: school.id, schoolId: school.id }, redacted(fields));
    return school;
  }

  list(caller: Caller): Promise<SchoolEntity[]> {
    const p = caller.principal;
    return this.schools.list(p.role === Role.PlatformAdmin ? undefined : p.schoolId ? [p.schoolId] : []);
  }

  async get(caller: Caller, id: string): Promise<SchoolEntity> {
    const school = canSeeSchool(caller.principal, id) ? await this.schools.findById(id) : null;
    if (!school) throw new NotFoundError('school', id);
    return school;
  }

  async update(caller: Caller, id: string, fields: Partial<SchoolFields>): Promise<SchoolEntity> {
    await this.get(caller, id);
    if (!administersSchool(caller.principal, id)) throw new ForbiddenError('only the school\'s admins change its settings');
    await this.schools.update(id, fields);
    await this.audit.log(caller, 'school.updated', { type: 'school', id, schoolId: id }, redacted(fields));
    return this.get(caller, id);
  }
}
