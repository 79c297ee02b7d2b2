import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SchoolEntity } from '../entities';

export type SchoolFields = Pick<SchoolEntity, 'name' | 'slug'> & Partial<Pick<SchoolEntity, 'oidcIssuer' | 'oidcClientId' | 'oidcClientSecret' | 'timezone'>>;

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

  findBySlug(slug: string): Promise<SchoolEntity | null> {
    return this.db.getRepository(SchoolEntity).findOneBy({ slug });
  }

  async update(id: string, fields: Partial<SchoolFields>): Promise<void> {
    await this.db.getRepository(SchoolEntity).update({ id }, fields);
  }
}
