import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CourseRole, Role } from '@labfleet/contracts';
import { CoursePolicy } from '@labfleet/domain';
import { CourseEntity, MembershipEntity, MinuteGrantEntity, UserEntity } from '../entities';
import { normalizeEmail } from './user.repository';

export interface RosterRow {
  readonly line: number;
  readonly email: string;
  readonly name: string;
}

export type RosterOutcome =
  | { readonly line: number; readonly email: string; readonly outcome: 'created' | 'existing'; readonly userId: string }
  | { readonly line: number; readonly email: string; readonly outcome: 'rejected'; readonly reason: string };

@Injectable()
export class CourseRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Null when the school already has a course of that name. */
  async create(schoolId: string, name: string, policy: Partial<CoursePolicy>): Promise<CourseEntity | null> {
    const values = { schoolId, name, ...policy } as CourseEntity;
    const result = await this.db.createQueryBuilder().insert().into(CourseEntity).values(values).orIgnore().returning('id').execute();
    const id = result.identifiers[0]?.id as string | undefined;
    return id ? this.findById(id) : null;
  }

  findById(id: string): Promise<CourseEntity | null> {
    return this.db.getRepository(CourseEntity).findOneBy({ id });
  }

  /** Courses of a school, or with the given ids, or all of them when neither is given. */
  list(filter: { schoolId?: string; ids?: readonly string[] }): Promise<CourseEntity[]> {
    const query = this.db.getRepository(CourseEntity).createQueryBuilder('c').orderBy('c.name', 'ASC');
    if (filter.schoolId) query.andWhere('c.school_id = :schoolId', { schoolId: filter.schoolId });
    if (filter.ids) query.andWhere(filter.ids.length ? 'c.id IN (:...ids)' : 'false', { ids: filter.ids });
    return query.getMany();
  }

  async updatePolicy(id: string, policy: Partial<CoursePolicy>): Promise<void> {
    await this.db.getRepository(CourseEntity).update({ id }, policy as Partial<CourseEntity>);
  }

  members(courseId: string): Promise<MembershipEntity[]> {
    return this.db.getRepository(MembershipEntity).find({ where: { courseId }, relations: { user: true }, order: { user: { email: 'ASC' } } });
  }

  membership(courseId: string, userId: string): Promise<MembershipEntity | null> {
    return this.db.getRepository(MembershipEntity).findOneBy({ courseId, userId });
  }

  async addMember(courseId: string, userId: string, role: CourseRole, em: EntityManager = this.db.manager): Promise<void> {
    await em.createQueryBuilder().insert().into(MembershipEntity).values({ courseId, userId, role }).orUpdate(['role'], ['course_id', 'user_id']).execute();
  }

  /** True when there was such a member. */
  async removeMember(courseId: string, userId: string): Promise<boolean> {
    const result = await this.db.getRepository(MembershipEntity).delete({ courseId, userId });
    return (result.affected ?? 0) > 0;
  }

  /**
   * Adds each row as a student of the course, creating accounts that do not exist, all in one
   * transaction: a failure half-way leaves nothing imported.
   */
  async importRoster(course: CourseEntity, rows: readonly RosterRow[]): Promise<RosterOutcome[]> {
    return this.db.transaction(async (em) => {
      const outcomes: RosterOutcome[] = [];
      for (const row of rows) {
        const email = normalizeEmail(row.email);
        const found = await em.findOneBy(UserEntity, { email });
        if (found && found.schoolId !== course.schoolId) {
          outcomes.push({ line: row.line, email, outcome: 'rejected', reason: 'this email belongs to an account of another school' });
          continue;
        }
        const user = found ?? (await em.save(em.create(UserEntity, { schoolId: course.schoolId, email, name: row.name, role: Role.Student, passwordHash: null })));
        const existing = await em.findOneBy(MembershipEntity, { courseId: course.id, userId: user.id });
        // Someone who teaches the course stays its teacher.
        if (!existing) await this.addMember(course.id, user.id, CourseRole.Student, em);
        outcomes.push({ line: row.line, email, outcome: found ? 'existing' : 'created', userId: user.id });
      }
      return outcomes;
    });
  }

  async addGrant(grant: Pick<MinuteGrantEntity, 'courseId' | 'userId' | 'minutes' | 'weekStart' | 'grantedBy' | 'reason'>): Promise<MinuteGrantEntity> {
    return this.db.getRepository(MinuteGrantEntity).save(grant as MinuteGrantEntity);
  }
}
