import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { LabStatus } from '@labfleet/contracts';
import { TemplateVisibility } from '@labfleet/domain';
import { TemplateDefinition, TemplateEntity, TemplateVersionEntity } from '../entities';

export type TemplateFields = Omit<TemplateEntity, 'id' | 'createdAt' | 'updatedAt' | 'scope' | 'schoolId' | 'courseId' | 'version' | 'retiredAt'>;
export type NewTemplate = TemplateFields & Pick<TemplateEntity, 'scope' | 'schoolId' | 'courseId'>;

const DEFINITION_FIELDS = ['description', 'image', 'nodes', 'cpus', 'memoryMb', 'pidsLimit', 'diskMb', 'ttlSeconds', 'images', 'reservedCpus', 'reservedMemoryMb', 'setup', 'kubernetes'] as const;

export const definitionOf = (t: TemplateDefinition): TemplateDefinition =>
  Object.fromEntries(DEFINITION_FIELDS.map((f) => [f, t[f]])) as unknown as TemplateDefinition;

@Injectable()
export class TemplateRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Every template, retired ones too (pools, the worker's image preparation). */
  list(): Promise<TemplateEntity[]> {
    return this.db.getRepository(TemplateEntity).find({ order: { name: 'ASC' } });
  }

  /** The templates `visibility` lets one see, global first, then by name. */
  listVisible(v: TemplateVisibility, includeRetired: boolean): Promise<TemplateEntity[]> {
    const q = this.db.getRepository(TemplateEntity).createQueryBuilder('t');
    if (!v.all) {
      q.where(`(t.scope = 'global' OR (t.scope = 'school' AND t.school_id = :school) OR (t.scope = 'course' AND (t.course_id = ANY(:courses) OR (:whole AND t.school_id = :school))))`, {
        school: v.schoolId ?? null,
        courses: v.courseIds,
        whole: !!v.wholeSchool,
      });
    }
    if (!includeRetired) q.andWhere('t.retired_at IS NULL');
    return q.orderBy('t.school_id', 'ASC', 'NULLS FIRST').addOrderBy('t.name', 'ASC').getMany();
  }

  findById(id: string): Promise<TemplateEntity | null> {
    return this.db.getRepository(TemplateEntity).findOneBy({ id });
  }

  /** A global template of that name, else any (pools are sized by platform admins, by name). */
  findByName(name: string): Promise<TemplateEntity | null> {
    return this.db.getRepository(TemplateEntity).createQueryBuilder('t').where('t.name = :name', { name }).orderBy('t.school_id', 'ASC', 'NULLS FIRST').getOne();
  }

  /** The template of that name a lab of the course may be made of (retired or not): the course's own, its school's, then a global one. */
  findForCourse(name: string, courseId: string): Promise<TemplateEntity | null> {
    return this.db
      .getRepository(TemplateEntity)
      .createQueryBuilder('t')
      .where('t.name = :name', { name })
      .andWhere(`(t.scope = 'global' OR (t.scope = 'school' AND t.school_id = (SELECT c.school_id FROM courses c WHERE c.id = :course)) OR t.course_id = :course)`, { course: courseId })
      .orderBy(`CASE t.scope WHEN 'course' THEN 0 WHEN 'school' THEN 1 ELSE 2 END`)
      .getOne();
  }

  /** Adds the templates whose name is not in the table yet; never overwrites an admin's edits. */
  async insertMissing(templates: readonly TemplateFields[]): Promise<number> {
    if (templates.length === 0) return 0;
    const result = await this.db.createQueryBuilder().insert().into(TemplateEntity).values([...templates]).orIgnore().execute();
    return result.identifiers.filter(Boolean).length;
  }

  /**
   * Inserts the template unless its name is taken in its namespace (`nameClashes`: a global name
   * anywhere, a school's within the school); null then. Names are checked and taken under one lock.
   */
  async insertScoped(template: NewTemplate): Promise<TemplateEntity | null> {
    return this.db.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(hashtextextended('template-names', 0))`);
      const [taken] = await em.query(`SELECT 1 FROM templates WHERE name = $1 AND ($2::uuid IS NULL OR school_id IS NULL OR school_id = $2) LIMIT 1`, [template.name, template.schoolId]);
      if (taken) return null;
      const saved = await em.save(em.create(TemplateEntity, template));
      return em.findOneByOrFail(TemplateEntity, { id: saved.id });
    });
  }

  /**
   * Replaces the template's definition and raises its version, keeping the old one for the labs
   * made of it. Null when the template is gone.
   */
  async update(id: string, change: Partial<TemplateDefinition>): Promise<TemplateEntity | null> {
    return this.db.transaction(async (em) => {
      const current = await em.findOne(TemplateEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!current) return null;
      await em.insert(TemplateVersionEntity, { templateId: id, version: current.version, definition: definitionOf(current) });
      await em.update(TemplateEntity, { id }, { ...change, version: current.version + 1 });
      return em.findOneByOrFail(TemplateEntity, { id });
    });
  }

  /** Marks the template retired (once; the first moment stays). Null when it is gone. */
  async retire(id: string): Promise<TemplateEntity | null> {
    await this.db.query(`UPDATE templates SET retired_at = coalesce(retired_at, now()), updated_at = now() WHERE id = $1`, [id]);
    return this.findById(id);
  }

  /** The definition of an older version, as it was before the edit that replaced it. */
  async definitionAt(templateId: string, version: number): Promise<TemplateDefinition | null> {
    const row = await this.db.getRepository(TemplateVersionEntity).findOneBy({ templateId, version });
    return row?.definition ?? null;
  }

  /** Unclaimed pool labs made of an older version, or of a retired template: no request may get them. */
  async stalePoolLabs(em: EntityManager = this.db.manager): Promise<string[]> {
    const rows: { id: string }[] = await em.query(
      `SELECT l.id FROM labs l JOIN templates t ON t.id = l.template_id
        WHERE l.course_id IS NULL AND l.status = $1 AND (l.template_version <> t.version OR t.retired_at IS NOT NULL)`,
      [LabStatus.Ready],
    );
    return rows.map((r) => r.id);
  }
}
