import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { SchoolCaps } from '@labfleet/contracts';
import { SchoolEntity } from '../entities';

export type SchoolFields = Pick<SchoolEntity, 'name' | 'slug'> & Partial<Pick<SchoolEntity, 'oidcIssuer' | 'oidcClientId' | 'oidcClientSecret' | 'timezone'>>;

/** Where each of a school's caps is kept. */
const CAP_COLUMNS = { nodes: 'labMaxNodes', cpus: 'labMaxCpus', memoryMb: 'labMaxMemoryMb', pidsLimit: 'labMaxPids', diskMb: 'labMaxDiskMb', ttlSeconds: 'labMaxTtlSeconds' } as const satisfies Record<
  keyof SchoolCaps,
  keyof SchoolEntity
>;

export const schoolCapsOf = (s: SchoolEntity): SchoolCaps => ({
  nodes: s.labMaxNodes,
  cpus: s.labMaxCpus,
  memoryMb: s.labMaxMemoryMb,
  pidsLimit: s.labMaxPids,
  diskMb: s.labMaxDiskMb,
  ttlSeconds: s.labMaxTtlSeconds,
});

@Injectable()
export class SchoolRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Null when the slug is taken. */
  async create(fields: SchoolFields): Promise<SchoolEntity | null> {
    const result = await this.db.createQueryBuilder().insert().into(SchoolEntity).values(fields).orIgnore().returning('id').execute();
    const id = result.identifiers[0]?.id as string | undefined;
    return id ? this.findById(id) : null;
  }

  list(ids?: readonly string[]): Promise<SchoolEntity[]> {
    const query = this.db.getRepository(SchoolEntity).createQueryBuilder('s').orderBy('s.name', 'ASC');
    if (ids) query.where(ids.length ? 's.id IN (:...ids)' : 'false', { ids });
    return query.getMany();
  }

  findById(id: string): Promise<SchoolEntity | null> {
    return this.db.getRepository(SchoolEntity).findOneBy({ id });
  }

  /** The school of a course, in one query: a lab request reads it beside the course. */
  findByCourse(courseId: string): Promise<SchoolEntity | null> {
    return this.db.getRepository(SchoolEntity).createQueryBuilder('s').where('s.id = (SELECT c.school_id FROM courses c WHERE c.id = :courseId)', { courseId }).getOne();
  }

  findBySlug(slug: string): Promise<SchoolEntity | null> {
    return this.db.getRepository(SchoolEntity).findOneBy({ slug });
  }

  async update(id: string, fields: Partial<SchoolFields>): Promise<void> {
    await this.db.getRepository(SchoolEntity).update({ id }, fields);
  }

  /** Sets the caps given (null clears one), leaving the others. */
  async updateCaps(id: string, caps: Partial<SchoolCaps>): Promise<void> {
    const fields = Object.fromEntries(Object.entries(caps).map(([k, v]) => [CAP_COLUMNS[k as keyof SchoolCaps], v]));
    if (Object.keys(fields).length) await this.db.getRepository(SchoolEntity).update({ id }, fields);
  }
}
