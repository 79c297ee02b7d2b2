import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { TemplateEntity } from './template.entity';

/** The warm pool of one template: idle labs kept ready, and a cap on all its labs. */
@Entity('pools')
export class PoolEntity {
  @PrimaryColumn({ name: 'template_id', type: 'uuid' }) templateId!: string;
  @ManyToOne(() => TemplateEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'template_id' })
  template?: TemplateEntity;
  @Column({ name: 'min_idle', type: 'int', default: 0 }) minIdle!: number;
  /** Null: no cap beyond capacity. */
  @Column({ name: 'max_total', type: 'int', nullable: true }) maxTotal!: number | null;
  @Column({ name: 'updated_by', type: 'text' }) updatedBy!: string;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
