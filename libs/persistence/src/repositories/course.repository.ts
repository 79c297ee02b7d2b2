import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
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

/** Rows per query of a roster import: 1 000 accounts are 5 000 bind parameters (Postgres takes 65 535). */
const ROSTER_CHUNK = 1000;

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

  /**
   * Deletes the course with its ended labs' history, members, grants and timetable; `busy` while
   * one of its labs has not ended. The row lock keeps a lab from being made for it meanwhile.
   */
  remove(id: string): Promise<'removed' | 'missing' | 'busy'> {
    return this.db.transaction(async (em) => {
      const found: unknown[] = await em.query(`SELECT id FROM courses WHERE id = $1 FOR UPDATE`, [id]);
      if (found.length === 0) return 'missing';
      const live: unknown[] = await em.query(`SELECT 1 FROM labs WHERE course_id = $1 AND status NOT IN ('stopped', 'failed') LIMIT 1`, [id]);
      if (live.length > 0) return 'busy';
      await em.query(`DELETE FROM lab_events WHERE lab_id IN (SELECT id FROM labs WHERE course_id = $1)`, [id]);
      await em.query(`DELETE FROM labs WHERE course_id = $1`, [id]);
      await em.query(`DELETE FROM courses WHERE id = $1`, [id]);
      return 'removed';
    });
  }

  /** Which of these ids are courses. */
  async existing(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows: { id: string }[] = await this.db.query(`SELECT id FROM courses WHERE id = ANY($1::uuid[])`, [ids]);
    return rows.map((r) => r.id);
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
   * transaction: a failure half-way leaves nothing imported. A few queries per ROSTER_CHUNK rows,
   * not four per row: 3 000 rows one by one took longer than the query timeout (a 500), and a
   * timed-out query left its pooled connection unusable.
   */
  async importRoster(course: CourseEntity, rows: readonly RosterRow[]): Promise<RosterOutcome[]> {
    return this.db.transaction(async (em) => {
      const outcomes: RosterOutcome[] = [];
      for (let i = 0; i < rows.length; i += ROSTER_CHUNK) outcomes.push(...(await this.importChunk(em, course, rows.slice(i, i + ROSTER_CHUNK))));
      return outcomes;
    });
  }

  private async importChunk(em: EntityManager, course: CourseEntity, rows: readonly RosterRow[]): Promise<RosterOutcome[]> {
    const emails = rows.map((r) => normalizeEmail(r.email));
    const byEmail = async (wanted: string[]) => (wanted.length ? await em.findBy(UserEntity, { email: In(wanted) }) : []).map((u): [string, UserEntity] => [u.email, u]);
    const users = new Map(await byEmail(emails));
    const fresh = rows.flatMap((r, i) => (users.has(emails[i]) ? [] : [{ schoolId: course.schoolId, email: emails[i], name: r.name, role: Role.Student, passwordHash: null }]));
    const created = new Set<string>();
    if (fresh.length) {
      // DO NOTHING: an account someone made meanwhile is read back as an existing one.
      const inserted = await em.createQueryBuilder().insert().into(UserEntity).values(fresh).orIgnore().returning(['email']).execute();
      for (const { email } of inserted.raw as { email: string }[]) created.add(email);
      for (const [email, user] of await byEmail(fresh.map((f) => f.email))) users.set(email, user);
    }
    const outcomes = rows.map((row, i): RosterOutcome => {
      const user = users.get(emails[i]);
      if (!user || user.schoolId !== course.schoolId) return { line: row.line, email: emails[i], outcome: 'rejected', reason: 'this email belongs to an account of another school' };
      return { line: row.line, email: emails[i], outcome: created.has(emails[i]) ? 'created' : 'existing', userId: user.id };
    });
    const joining = outcomes.flatMap((o) => (o.outcome === 'rejected' ? [] : [{ courseId: course.id, userId: o.userId, role: CourseRole.Student }]));
    // DO NOTHING: someone who teaches the course stays its teacher, and a member stays one.
    if (joining.length) await em.createQueryBuilder().insert().into(MembershipEntity).values(joining).orIgnore().execute();
    return outcomes;
  }

  async addGrant(grant: Pick<MinuteGrantEntity, 'courseId' | 'userId' | 'minutes' | 'weekStart' | 'grantedBy' | 'reason'>): Promise<MinuteGrantEntity> {
    return this.db.getRepository(MinuteGrantEntity).save(grant as MinuteGrantEntity);
  }
}
