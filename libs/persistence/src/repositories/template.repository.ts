import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TemplateEntity } from '../entities';

export type TemplateFields = Omit<TemplateEntity, 'id' | 'createdAt' | 'updatedAt'>;

@Injectable()
export class TemplateRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  list(): Promise<TemplateEntity[]> {
    return this.db.getRepository(TemplateEntity).find({ order: { name: 'ASC' } });
  }

  findByName(name: string): Promise<TemplateEntity | null> {
    return this.db.getRepository(TemplateEntity).findOneBy({ name });
  }

  /** Adds the templates whose name is not in the table yet; never overwrites an admin's edits. */
  async insertMissing(templates: readonly TemplateFields[]): Promise<number> {
    if (templates.length === 0) return 0;
    const result = await this.db.createQueryBuilder().insert().into(TemplateEntity).values([...templates]).orIgnore().execute();
    return result.identifiers.filter(Boolean).length;
  }
}
