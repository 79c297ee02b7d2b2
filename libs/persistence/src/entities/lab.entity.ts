import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, OneToMany, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { LabStatus } from '@labfleet/contracts';
import { LabHandle } from '@labfleet/domain';
import { LabNodeEntity } from './lab-node.entity';
import { TemplateEntity } from './template.entity';
import { UserEntity } from './user.entity';

@Entity('labs')
export class LabEntity {
  @PrimaryColumn('uuid') id!: string;
  @Index('idx_labs_template_id')
  @Column({ name: 'template_id', type: 'uuid' }) templateId!: string;
  @ManyToOne(() => TemplateEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'template_id' })
  template?: TemplateEntity;
  /** The template's version it is made of: an edit after it was asked for changes nothing of it. */
  @Column({ name: 'template_version', type: 'int', default: 1 }) templateVersion!: number;
  @Index('idx_labs_status')
  @Column({ type: 'text' }) status!: LabStatus;
  @Column({ name: 'failure_reason', type: 'text', nullable: true }) failureReason!: string | null;
  @Column({ type: 'text' }) provider!: string;
  @Column({ type: 'jsonb', nullable: true }) handle!: LabHandle | null;
  @Index('idx_labs_created_at')
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ name: 'ready_at', type: 'timestamptz', nullable: true }) readyAt!: Date | null;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt!: Date;
  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true }) endedAt!: Date | null;
  /** Null only for a pool lab nobody has claimed yet. */
  @Column({ name: 'school_id', type: 'uuid', nullable: true }) schoolId!: string | null;
  @Column({ name: 'course_id', type: 'uuid', nullable: true }) courseId!: string | null;
  @Column({ name: 'owner_id', type: 'uuid', nullable: true }) ownerId!: string | null;
  /** When a student took it from the warm pool. */
  @Column({ name: 'claimed_at', type: 'timestamptz', nullable: true }) claimedAt!: Date | null;
  /** Set while the lab waits for capacity (admission queue); cleared when it is let through. */
  @Column({ name: 'queued_at', type: 'timestamptz', nullable: true }) queuedAt!: Date | null;
  /** Why the cluster has not placed this pending lab yet (Swarm's words), and since when. */
  @Column({ name: 'wait_reason', type: 'text', nullable: true }) waitReason!: string | null;
  @Column({ name: 'waiting_since', type: 'timestamptz', nullable: true }) waitingSince!: Date | null;
  @ManyToOne(() => UserEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'owner_id' })
  owner?: UserEntity | null;
  @OneToMany(() => LabNodeEntity, (node) => node.lab)
  nodes?: LabNodeEntity[];
}
