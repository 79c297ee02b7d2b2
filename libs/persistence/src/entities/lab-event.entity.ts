import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { LabStatus } from '@labfleet/contracts';

/** Append-only history of every lab: one row per state change (and per notable action). */
@Entity('lab_events')
@Index('idx_lab_events_lab_id_created_at', ['labId', 'createdAt'])
export class LabEventEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'lab_id', type: 'uuid' }) labId!: string;
  @Column({ name: 'from_status', type: 'text', nullable: true }) fromStatus!: LabStatus | null;
  @Column({ name: 'to_status', type: 'text' }) toStatus!: LabStatus;
  /** Who caused it: `api`, `worker`, `expiry`, `reconciler`. */
  @Column({ type: 'text' }) actor!: string;
  @Column({ type: 'jsonb', nullable: true }) detail!: Record<string, unknown> | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
