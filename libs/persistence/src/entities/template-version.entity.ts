import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { TemplateDefinition } from './template.entity';

/** A template's definition as it was before an edit, for the labs made of that version. */
@Entity('template_versions')
export class TemplateVersionEntity {
  @PrimaryColumn({ name: 'template_id', type: 'uuid' }) templateId!: string;
  @PrimaryColumn({ type: 'int' }) version!: number;
  @Column({ type: 'jsonb' }) definition!: TemplateDefinition;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
