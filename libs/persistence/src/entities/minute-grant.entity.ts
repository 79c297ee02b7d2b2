import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Extra lab-minutes a teacher gave one student for one week. */
@Entity('minute_grants')
export class MinuteGrantEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'course_id', type: 'uuid' }) courseId!: string;
  @Column({ name: 'user_id', type: 'uuid' }) userId!: string;
  @Column({ type: 'int' }) minutes!: number;
  @Column({ name: 'week_start', type: 'timestamptz' }) weekStart!: Date;
  @Column({ name: 'granted_by', type: 'text' }) grantedBy!: string;
  @Column({ type: 'text', default: '' }) reason!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
