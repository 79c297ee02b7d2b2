import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { LabEntity } from './lab.entity';

@Entity('lab_nodes')
@Index('uq_lab_nodes_lab_id_name', ['labId', 'name'], { unique: true })
export class LabNodeEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'lab_id', type: 'uuid' }) labId!: string;
  @ManyToOne(() => LabEntity, (lab) => lab.nodes, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'lab_id' })
  lab?: LabEntity;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text' }) hostname!: string;
  @Column({ name: 'runtime_id', type: 'text', nullable: true }) runtimeId!: string | null;
  @Column({ type: 'text', nullable: true }) address!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
