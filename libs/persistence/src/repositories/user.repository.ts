import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CourseRole, Role } from '@labfleet/contracts';
import { Batcher } from '@labfleet/domain';
import { IdentityEntity, UserEntity } from '../entities';
import { ByIdsStatement, preparedByIds } from './prepared-query';

export interface NewUser {
  readonly schoolId: string | null;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly passwordHash?: string | null;
}

const courses = (param: string) => `array(SELECT m.course_id::text FROM memberships m WHERE m.user_id = u.id AND m.role = ${param})`;
const USERS_WITH_COURSES: ByIdsStatement = {
  name: 'user-with-courses',
  column: 'u.id',
  sql: (where) => `SELECT u.id, u.school_id, u.email, u.name, u.role, u.created_at, u.updated_at, ${courses('$2')} AS teaching, ${courses('$3')} AS enrolled
  FROM users u WHERE ${where}`,
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface UserWithCoursesRow {
  id: string;
  school_id: string | null;
  email: string;
  name: string;
  role: Role;
  created_at: Date;
  updated_at: Date;
  teaching: string[];
  enrolled: string[];
}

/** An account with the courses it teaches and takes: what a principal is built from. */
export interface UserWithCourses {
  readonly user: UserEntity;
  readonly teaching: string[];
  readonly enrolled: string[];
}

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

@Injectable()
export class UserRepository {
  // Every authenticated request reads its account: requests that arrive together (a classroom
  // rush) read theirs in one round trip.
  private readonly accounts = new Batcher<string, UserWithCourses | null>(async (ids) => {
    // One id that is not a uuid would fail the cast, and with it everyone's request: it has no account.
    const wanted = [...new Set(ids.filter((id) => UUID.test(id)))];
    const rows = await preparedByIds<UserWithCoursesRow>(this.db.manager, USERS_WITH_COURSES, wanted, [CourseRole.Teacher, CourseRole.Student]);
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => ({ ok: true, value: byId.has(id) ? this.withCoursesOf(byId.get(id)!) : null }));
  });

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Null when the email is taken. */
  async create(user: NewUser): Promise<UserEntity | null> {
    const result = await this.db
      .createQueryBuilder()
      .insert()
      .into(UserEntity)
      .values({ ...user, email: normalizeEmail(user.email), passwordHash: user.passwordHash ?? null })
      .orIgnore()
      .returning('id')
      .execute();
    const id = result.identifiers[0]?.id as string | undefined;
    return id ? this.findById(id) : null;
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.db.getRepository(UserEntity).findOneBy({ id });
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.db.getRepository(UserEntity).findOneBy({ email: normalizeEmail(email) });
  }

  /** The stored hash, read only where a password is checked. */
  async passwordHashOf(userId: string): Promise<string | null> {
    const row = await this.db.getRepository(UserEntity).createQueryBuilder('u').addSelect('u.passwordHash').where('u.id = :userId', { userId }).getOne();
    return row?.passwordHash ?? null;
  }

  withCourses(userId: string): Promise<UserWithCourses | null> {
    return this.accounts.submit(userId);
  }

  private withCoursesOf(row: UserWithCoursesRow): UserWithCourses {
    const user = this.db.getRepository(UserEntity).create({ id: row.id, schoolId: row.school_id, email: row.email, name: row.name, role: row.role, createdAt: row.created_at, updatedAt: row.updated_at });
    return { user, teaching: row.teaching, enrolled: row.enrolled };
  }

  async listBySchool(schoolId: string, page: { role?: Role; limit: number; offset: number }): Promise<{ items: UserEntity[]; total: number }> {
    const [items, total] = await this.db.getRepository(UserEntity).findAndCount({
      where: { schoolId, ...(page.role ? { role: page.role } : {}) },
      order: { email: 'ASC' },
      take: page.limit,
      skip: page.offset,
    });
    return { items, total };
  }

  async update(id: string, fields: Partial<Pick<UserEntity, 'name' | 'role' | 'passwordHash'>>): Promise<void> {
    await this.db.getRepository(UserEntity).update({ id }, fields);
  }

  async findByIdentity(issuer: string, subject: string): Promise<UserEntity | null> {
    const identity = await this.db.getRepository(IdentityEntity).findOneBy({ issuer, subject });
    return identity ? this.findById(identity.userId) : null;
  }

  async linkIdentity(userId: string, issuer: string, subject: string): Promise<void> {
    await this.db.createQueryBuilder().insert().into(IdentityEntity).values({ userId, issuer, subject }).orIgnore().execute();
  }
}
