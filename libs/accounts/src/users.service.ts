import { Injectable } from '@nestjs/common';
import { Role } from '@labfleet/contracts';
import { administersSchool, Caller, canSeeSchool, canSeeUser, ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '@labfleet/domain';
import { AuditRepository, SchoolRepository, UserEntity, UserRepository } from '@labfleet/persistence';
import { hashPasswordChecked } from './password-login.service';

export interface NewAccount {
  readonly schoolId: string | null;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly password?: string;
}

/** Accounts. School admins manage their school's; platform admins manage everyone and each other. */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UserRepository,
    private readonly schools: SchoolRepository,
    private readonly audit: AuditRepository,
  ) {}

  async create(caller: Caller, account: NewAccount): Promise<UserEntity> {
    await this.assertMayGrant(caller, account.role, account.schoolId);
    const passwordHash = account.password === undefined ? null : await hashPasswordChecked(account.password);
    const user = await this.users.create({ ...account, passwordHash });
    if (!user) throw new ConflictError(`an account with email '${account.email}' already exists`);
    await this.audit.log(caller, 'user.created', { type: 'user', id: user.id, schoolId: user.schoolId }, { email: user.email, role: user.role });
    return user;
  }

  list(caller: Caller, schoolId: string, page: { role?: Role; limit: number; offset: number }) {
    if (!canSeeSchool(caller.principal, schoolId)) throw new NotFoundError('school', schoolId);
    if (!administersSchool(caller.principal, schoolId)) throw new ForbiddenError('only school admins list a school\'s accounts');
    return this.users.listBySchool(schoolId, page);
  }

  async get(caller: Caller, id: string): Promise<UserEntity> {
    const user = await this.users.findById(id);
    if (!user || !canSeeUser(caller.principal, user)) throw new NotFoundError('user', id);
    return user;
  }

  async update(caller: Caller, id: string, patch: { name?: string; role?: Role; password?: string }): Promise<UserEntity> {
    const user = await this.get(caller, id);
    const self = caller.principal.userId === id;
    if (!self && !(user.schoolId ? administersSchool(caller.principal, user.schoolId) : caller.principal.role === Role.PlatformAdmin)) {
      throw new ForbiddenError('only admins change other accounts');
    }
    if (patch.password !== undefined && self) throw new InvalidInputError('change your own password with POST /api/v1/me/password');
    if (patch.role !== undefined && patch.role !== user.role) {
      if (self) throw new ForbiddenError('nobody changes their own role');
      await this.assertMayGrant(caller, patch.role, user.schoolId);
    }
    await this.users.update(id, {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.role !== undefined ? { role: patch.role } : {}),
      ...(patch.password !== undefined ? { passwordHash: await hashPasswordChecked(patch.password) } : {}),
    });
    if (patch.role !== undefined && patch.role !== user.role) {
      await this.audit.log(caller, 'user.role-changed', { type: 'user', id, schoolId: user.schoolId }, { email: user.email, from: user.role, to: patch.role });
    }
    if (patch.password !== undefined) await this.audit.log(caller, 'user.password-reset', { type: 'user', id, schoolId: user.schoolId }, { email: user.email });
    return this.get(caller, id);
  }

  /** Platform admins have no school; everyone else has exactly one, whose admins may create them. */
  private async assertMayGrant(caller: Caller, role: Role, schoolId: string | null): Promise<void> {
    if (role === Role.PlatformAdmin) {
      if (caller.principal.role !== Role.PlatformAdmin) throw new ForbiddenError('only platform admins create platform admins');
      if (schoolId !== null) throw new InvalidInputError('a platform admin belongs to no school: leave schoolId out');
      return;
    }
    if (schoolId === null) throw new InvalidInputError(`a ${role} must belong to a school: give schoolId`);
    if (!canSeeSchool(caller.principal, schoolId) || !(await this.schools.findById(schoolId))) throw new NotFoundError('school', schoolId);
    if (!administersSchool(caller.principal, schoolId)) throw new ForbiddenError('only school admins create or change accounts');
  }
}
